import EmbedKitFuzzHarness
import Foundation
import EmbedKitTestFixtures
import Testing

/// Every saved fuzz input (the seed corpora, and any crash the fuzzer found, kept as a regression) runs
/// through its target without crashing: a crash would end this test process. `scripts/fuzz.sh` runs the
/// targets under libFuzzer and AddressSanitizer.
@Suite(.serialized) struct FuzzRegressionTests {
    static let corpora = FixtureLocator.packageRoot.appendingPathComponent("Tests/Fuzz")

    @Test(arguments: FuzzHarness.targets)
    func savedInputsRunWithoutCrashing(_ target: String) throws {
        let folder = Self.corpora.appendingPathComponent(target)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 3, "\(target): too few saved inputs in \(folder.path)")
        for file in files {
            FuzzHarness.run(target, try Data(contentsOf: folder.appendingPathComponent(file)))
        }
        FuzzHarness.removeScratch()
    }
}
