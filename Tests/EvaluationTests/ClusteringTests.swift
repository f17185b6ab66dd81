import Foundation
import Testing
import EmbedKitEvaluation

/// V-measure (exact, given assignments) and MiniBatchKMeans (tolerance) against mteb 1.1.1 + sklearn 1.3.2.
@Suite struct ClusteringTests {
    func sets(_ f: ReferenceFixtures) -> [ClusteringSet] {
        (f.fx("clustering") as! [[String: Any]]).map { ClusteringSet(sentences: $0["sentences"] as! [String], labels: $0["labels"] as! [Int]) }
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func vMeasureOfSklearnAssignmentsIsExact() throws {
        let f = try #require(ReferenceFixtures.shared)
        let assignments = f.ref("clustering.kmeans_assignments_seed42") as! [[Int]]
        let want = f.refDoubles("clustering.v_measure_per_subset")
        var a = Agreement("v-measure of sklearn's k-means assignments")
        for (i, s) in sets(f).enumerated() {
            a.add("subset \(i)", got: vMeasure(labelsTrue: s.labels, labelsPred: assignments[i]), want: want[i])
        }
        a.report()
        #expect(a.maxDifference <= 1e-12)
    }

    @Test func vMeasureEdgeCases() {
        #expect(abs(vMeasure(labelsTrue: [0, 0, 1, 1], labelsPred: [5, 5, 9, 9]) - 1) < 1e-12)
        #expect(abs(vMeasure(labelsTrue: [0, 0, 1, 1], labelsPred: [3, 3, 3, 3])) < 1e-12)
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func miniBatchKMeansWithinTolerance() throws {
        let f = try #require(ReferenceFixtures.shared)
        let (r, assignments) = try ClusteringEvaluation.evaluate(sets(f), cache: f.cache())
        let refAssign = f.ref("clustering.kmeans_assignments_seed42") as! [[Int]]
        let perSubset = f.refDoubles("clustering.v_measure_per_subset")
        var a = Agreement("clustering: MiniBatchKMeans + v-measure")
        for (i, s) in sets(f).enumerated() {
            let same = zip(assignments[i], refAssign[i]).filter { $0 == $1 }.count
            a.add("subset \(i) v_measure", got: vMeasure(labelsTrue: s.labels, labelsPred: assignments[i]), want: perSubset[i])
            print("  subset \(i): identical cluster ids for \(same)/\(refAssign[i].count) points; v-measure(swift ids, sklearn ids) = \(vMeasure(labelsTrue: refAssign[i], labelsPred: assignments[i]))")
        }
        a.add("v_measure", got: r["v_measure"]!.double!, want: f.refDouble("clustering.scores.v_measure"))
        a.add("v_measure_std", got: r["v_measure_std"]!.double!, want: f.refDouble("clustering.scores.v_measure_std"))
        a.report()
        // sklearn itself spans up to 0.32 per subset across seeds; we require the mean within 0.02.
        #expect(abs(r["v_measure"]!.double! - f.refDouble("clustering.scores.v_measure")) <= 0.02)
    }
}
