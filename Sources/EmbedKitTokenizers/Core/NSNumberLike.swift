import Foundation

/// A JSON number as Foundation parses it.
protocol NSNumberLike { var intValue: Int? { get } }

extension NSNumber: NSNumberLike {
    var intValue: Int? {
        let d = doubleValue
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e18 else { return nil }
        return Int(d)
    }
}
