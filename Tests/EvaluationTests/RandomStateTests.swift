import Foundation
import Testing
import EmbedKitEvaluation

/// numpy RandomState(42) test vectors recorded by mteb_reference.py.
@Suite struct RandomStateTests {
    @Test(.enabled(if: ReferenceFixtures.available, ReferenceFixtures.missingMessage)) func rawDrawsRandintSampleShuffleChoice() throws {
        let f = try #require(ReferenceFixtures.shared)
        var rs = NumpyRandomState(seed: 42)
        #expect((0..<8).map { _ in Int(rs.nextUInt32()) } == f.ref("rng_test_vectors_seed42.next_u32") as! [Int])
        rs = NumpyRandomState(seed: 42)
        #expect(rs.randint(0, 1000, count: 10) == f.ref("rng_test_vectors_seed42.randint_0_1000_x10") as! [Int])
        #expect(rs.uniform(count: 5) == f.refDoubles("rng_test_vectors_seed42.random_sample_x5_after"))
        rs = NumpyRandomState(seed: 42)
        var a = Array(0..<20)
        rs.shuffle(&a)
        #expect(a == f.ref("rng_test_vectors_seed42.shuffle_arange20") as! [Int])
        rs = NumpyRandomState(seed: 42)
        let perm = rs.permutation(10) + [rs.choice(probabilities: [0.1, 0.2, 0.3, 0.25, 0.15])]
        #expect(perm == f.ref("rng_test_vectors_seed42.permutation_10_then_choice_p") as! [Int])
    }

    @Test func knownFirstDrawsWithoutFixtures() {
        var rs = NumpyRandomState(seed: 42)
        #expect([rs.nextUInt32(), rs.nextUInt32(), rs.nextUInt32(), rs.nextUInt32()] == [1608637542, 3421126067, 4083286876, 787846414])
    }
}
