import Foundation
import Testing
import EmbedKitEvaluation

/// Undersampling (bit-exact) and logistic regression (tolerance) against mteb 1.1.1 + sklearn 1.3.2.
@Suite struct ClassificationTests {
    static let tasks = ["classification_multi", "classification_binary"]

    func data(_ f: ReferenceFixtures, _ name: String) -> ClassificationData {
        ClassificationData(trainTexts: f.fx("\(name).train.text") as! [String], trainLabels: f.fx("\(name).train.label") as! [Int],
                           testTexts: f.fx("\(name).test.text") as! [String], testLabels: f.fx("\(name).test.label") as! [Int],
                           experiments: f.fx("\(name).n_experiments") as! Int, samplesPerLabel: f.fx("\(name).samples_per_label") as! Int)
    }

    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage), arguments: tasks) func undersampledIndicesAreExact(_ name: String) throws {
        let f = try #require(ReferenceFixtures.shared)
        let d = data(f, name)
        let picks = mtebUndersample(labels: d.trainLabels, samplesPerLabel: d.samplesPerLabel, experiments: d.experiments)
        let want = f.ref("classification.\(name).undersampled_train_indices") as! [[Int]]
        #expect(picks == want)
        print("== \(name): undersampled indices of \(want.count) experiments × \(want[0].count) identical: \(picks == want)")
    }

    /// LR is not bit-exact (scipy's Fortran L-BFGS-B path, BLAS, sklearn version): compare predictions and scores.
    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage), arguments: tasks) func logisticRegressionAgreesWithinTolerance(_ name: String) throws {
        let f = try #require(ReferenceFixtures.shared)
        let d = data(f, name)
        let (r, experiments) = try ClassificationEvaluation.evaluate(d, cache: f.cache())
        let refPred = f.ref("classification.\(name).predictions_max_iter_100") as! [[Int]]
        var same = 0, total = 0
        for (e, p) in zip(experiments, refPred) {
            same += zip(e.predictions, p).filter { $0 == $1 }.count
            total += p.count
        }
        let agreement = Double(same) / Double(total)
        var a = Agreement("\(name): logistic regression (\(experiments.count) experiments, lbfgs iterations \(experiments.map(\.iterations)))")
        let ref = (f.ref("classification.\(name).scores") as! [String: Any]).mapValues(asDouble)
        for key in ref.keys.sorted() { a.add(key, got: r[key]!.double!, want: ref[key]!) }
        a.report()
        print("  prediction agreement with sklearn: \(same)/\(total) = \(agreement)")
        #expect(agreement >= 0.99)
        for key in ["accuracy", "f1", "ap", "main_score"] where ref[key] != nil {
            #expect(abs(r[key]!.double! - ref[key]!) <= 0.005, "\(key)")
        }
    }

    @Test func macroF1AndAccuracy() {
        // Class 0: TP 1, FP 2, FN 1 → 0.4; class 1: TP 1, FP 1, FN 1 → 0.5; class 2: 0 → macro 0.3.
        #expect(abs(ClassificationEvaluation.macroF1([0, 0, 1, 1, 2], [0, 1, 1, 0, 0]) - 0.3) < 1e-15)
        #expect(ClassificationEvaluation.accuracy([1, 2, 3, 4], [1, 2, 0, 0]) == 0.5)
    }

    @Test func singleClassTrainingIsATypedError() {
        var lr = LogisticRegression()
        #expect(throws: EvaluationError.self) { try lr.fit([[1, 2], [3, 4]], [7, 7]) }
    }
}
