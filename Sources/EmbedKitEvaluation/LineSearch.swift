/// The Moré–Thuente line search (MINPACK-2 `dcsrch`/`dcstep`), which L-BFGS-B uses with
/// ftol = 1e-3, gtol = 0.9, xtol = 0.1. A state machine: call `start`, then `next(f:g:)` with the
/// function value and directional derivative at `stp` until it reports convergence or a warning.
struct MoreThuenteSearch {
    enum Status { case evaluate, converged, warning }

    let ftol: Double, gtol: Double, xtol: Double, stpmin: Double, stpmax: Double
    var stp: Double
    private var brackt = false, stage = 1
    private var finit = 0.0, ginit = 0.0, gtest = 0.0, width = 0.0, width1 = 0.0
    private var stx = 0.0, fx = 0.0, gx = 0.0, sty = 0.0, fy = 0.0, gy = 0.0, stmin = 0.0, stmax = 0.0

    init(stp: Double, f: Double, g: Double, ftol: Double = 1e-3, gtol: Double = 0.9, xtol: Double = 0.1,
         stpmin: Double = 0, stpmax: Double = 1e10) {
        self.ftol = ftol; self.gtol = gtol; self.xtol = xtol; self.stpmin = stpmin; self.stpmax = stpmax
        self.stp = stp
        finit = f; ginit = g; gtest = ftol * ginit
        width = stpmax - stpmin; width1 = width / 0.5
        stx = 0; fx = finit; gx = ginit
        sty = 0; fy = finit; gy = ginit
        stmin = 0; stmax = stp + 4.0 * stp
    }

    /// Feeds f(stp) and f'(stp); returns what to do next (`stp` holds the next trial step).
    mutating func next(f: Double, g: Double) -> Status {
        let ftest = finit + stp * gtest
        if stage == 1 && f <= ftest && g >= 0 { stage = 2 }
        if brackt && (stp <= stmin || stp >= stmax) { return .warning }
        if brackt && stmax - stmin <= xtol * stmax { return .warning }
        if stp == stpmax && f <= ftest && g <= gtest { return .warning }
        if stp == stpmin && (f > ftest || g >= gtest) { return .warning }
        if f <= ftest && abs(g) <= gtol * (-ginit) { return .converged }

        if stage == 1 && f <= fx && f > ftest {
            let fm = f - stp * gtest
            var fxm = fx - stx * gtest, fym = fy - sty * gtest
            let gm = g - gtest
            var gxm = gx - gtest, gym = gy - gtest
            var (sx, sy, st, br) = (stx, sty, stp, brackt)
            Self.step(&sx, &fxm, &gxm, &sy, &fym, &gym, &st, fm, gm, &br, stmin, stmax)
            (stx, sty, stp, brackt) = (sx, sy, st, br)
            fx = fxm + stx * gtest; fy = fym + sty * gtest
            gx = gxm + gtest; gy = gym + gtest
        } else {
            var (sx, fxx, gxx, sy, fyy, gyy, st, br) = (stx, fx, gx, sty, fy, gy, stp, brackt)
            Self.step(&sx, &fxx, &gxx, &sy, &fyy, &gyy, &st, f, g, &br, stmin, stmax)
            (stx, fx, gx, sty, fy, gy, stp, brackt) = (sx, fxx, gxx, sy, fyy, gyy, st, br)
        }
        if brackt {
            if abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }
            width1 = width
            width = abs(sty - stx)
        }
        if brackt {
            stmin = min(stx, sty); stmax = max(stx, sty)
        } else {
            stmin = stp + 1.1 * (stp - stx); stmax = stp + 4.0 * (stp - stx)
        }
        stp = max(stp, stpmin)
        stp = min(stp, stpmax)
        if (brackt && (stp <= stmin || stp >= stmax)) || (brackt && stmax - stmin <= xtol * stmax) { stp = stx }
        return .evaluate
    }

    /// `dcstep`: safeguarded cubic/quadratic step and interval update.
    private static func step(_ stx: inout Double, _ fx: inout Double, _ dx: inout Double,
                             _ sty: inout Double, _ fy: inout Double, _ dy: inout Double,
                             _ stp: inout Double, _ fp: Double, _ dp: Double, _ brackt: inout Bool,
                             _ stmin: Double, _ stmax: Double) {
        let sgnd = dp * (dx / abs(dx))
        var stpf: Double
        if fp > fx {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp < stx { gamma = -gamma }
            let p = (gamma - dx) + theta, q = ((gamma - dx) + gamma) + dp
            let stpc = stx + (p / q) * (stp - stx)
            let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
            stpf = abs(stpc - stx) < abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
            brackt = true
        } else if sgnd < 0 {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dx
            let stpc = stp + (p / q) * (stx - stp)
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
            brackt = true
        } else if abs(dp) < abs(dx) {
            let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
            let s = max(abs(theta), abs(dx), abs(dp))
            var gamma = s * max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
            if stp > stx { gamma = -gamma }
            let p = (gamma - dp) + theta, q = (gamma + (dx - dp)) + gamma
            let r = p / q
            let stpc: Double
            if r < 0 && gamma != 0 { stpc = stp + r * (stx - stp) } else if stp > stx { stpc = stmax } else { stpc = stmin }
            let stpq = stp + (dp / (dp - dx)) * (stx - stp)
            if brackt {
                stpf = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
                stpf = stp > stx ? min(stp + 0.66 * (sty - stp), stpf) : max(stp + 0.66 * (sty - stp), stpf)
            } else {
                stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
                stpf = max(stmin, min(stmax, stpf))
            }
        } else {
            if brackt {
                let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
                let s = max(abs(theta), abs(dy), abs(dp))
                var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
                if stp > sty { gamma = -gamma }
                let p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dy
                stpf = stp + (p / q) * (sty - stp)
            } else {
                stpf = stp > stx ? stmax : stmin
            }
        }
        if fp > fx {
            sty = stp; fy = fp; dy = dp
        } else {
            if sgnd < 0 { sty = stx; fy = fx; dy = dx }
            stx = stp; fx = fp; dx = dp
        }
        stp = stpf
    }
}
