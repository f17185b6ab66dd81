import EmbedKit
import Foundation

/// `embedkit embed --input corpus.jsonl --output vectors.npy|.jsonl`: embeds a corpus of any size in
/// bounded memory. Rows are read in windows (at most `windowRows` rows or `windowBytes` of text); each
/// window is length-sorted into batches by `encode`, appended to the output in input order, synced, and
/// recorded in a checkpoint. After a kill, `--resume` drops whatever was written after the last
/// checkpoint and continues from it, so the output equals an uninterrupted run's byte for byte
/// (windows start at the same rows, so the batches are the same). `--shard i/n` embeds only the i-th
/// of n contiguous parts of the corpus. A row that cannot be embedded keeps its place (a NaN row, an
/// `{"error"}` line) and the job goes on.
struct BulkJob {
    let model: EmbeddingModel
    let options: EncodeOptions
    let input: String
    let output: String
    let shard: Shard
    let resume: Bool
    let windowRows: Int
    var windowBytes = 8 << 20
    /// Settings of the command line that the output depends on, beyond the encode options.
    let settings: [String: String]

    struct Summary: Encodable {
        var rows: Int
        var rowsThisRun: Int
        var resumedFrom: Int
        /// Rows of this run with no vector (unreadable, or refused by the engine): NaN rows in `.npy`,
        /// `{"error"}` lines in `.jsonl`, each named on stderr.
        var failedThisRun: Int
        var tokensThisRun: Int
        var seconds: Double
        var tokensPerS: Double
        var output: String
        var ids: String?
        var shard: String
        var peakRssBytes: Int
    }

    func run() throws -> Summary {
        let format = try VectorFileFormat(output: output)
        guard windowRows >= 1 else { throw InputError("--checkpoint-rows must be at least 1") }
        let dimension = options.truncateDimension ?? model.info.dimension
        let checkpointPath = BulkCheckpoint.path(output: output)
        var current = settings
        current["input"] = URL(fileURLWithPath: input).standardizedFileURL.path
        current["input_fingerprint"] = try InputFingerprint.of(path: input)
        current["shard"] = shard.description
        current["checkpoint_rows"] = String(windowRows)
        current["format"] = format.rawValue
        current["dimension"] = String(dimension)

        // Where to start: a fresh job, or the last checkpoint of an interrupted one.
        let saved = try BulkCheckpoint.load(checkpointPath)
        if resume {
            guard saved != nil else {
                throw InputError("no checkpoint at \(checkpointPath): nothing to resume (the job finished, or never started); run without --resume")
            }
        } else if saved != nil {
            throw InputError("\(checkpointPath) holds an unfinished job: add --resume to continue it, or delete it to start over")
        }
        if let saved, let difference = saved.mismatch(current) {
            throw InputError("cannot resume: the job's settings changed (\(difference)); delete \(checkpointPath) to start over")
        }

        let total = try InputReader(path: input).countRows()
        let range = shard.rows(of: total)
        var state: BulkCheckpoint
        let reader: InputReader
        if let saved {
            state = saved
            reader = try InputReader(path: input, offset: saved.inputOffset, lineNumber: saved.lineNumber)
        } else {
            reader = try InputReader(path: input)
            try reader.skip(range.lowerBound)
            state = BulkCheckpoint(settings: current, rowsDone: 0, tokensDone: 0, inputOffset: reader.offset,
                                   lineNumber: reader.lineNumber, outputBytes: 0, hasIDs: nil, idsBytes: 0)
        }

        let out = try AppendFile(path: output, fresh: saved == nil)
        if let saved {
            guard out.size >= saved.outputBytes else {
                throw InputError("\(output) is shorter than its checkpoint says (\(out.size) < \(saved.outputBytes) bytes); delete \(checkpointPath) to start over")
            }
            try out.truncate(to: saved.outputBytes)
        } else if format == .npy {
            try out.append(NpyHeader.bytes(rows: 0, dimension: dimension))
            state.outputBytes = Int64(NpyHeader.length)
            try out.sync()
        }
        let idsPath = format == .npy ? VectorFileFormat.idsPath(output: output) : nil
        var ids: AppendFile? = nil
        if let idsPath, state.hasIDs == true {
            ids = try AppendFile(path: idsPath, fresh: false)
            try ids!.truncate(to: state.idsBytes)
        }
        try state.save(checkpointPath)

        let resumedFrom = state.rowsDone
        let progress = JobProgress(label: "embed", total: range.count, done: state.rowsDone)
        var tokensThisRun = 0
        var failures = RowFailures()
        while state.rowsDone < range.count {
            var rows: [InputRow] = []
            var textBytes = 0
            while rows.count < min(windowRows, range.count - state.rowsDone) && textBytes < windowBytes,
                  let row = try reader.next() {
                if let object = row.isObject {
                    if state.hasIDs == nil { state.hasIDs = object }
                    guard object == state.hasIDs else {
                        throw InputError("\(input):\(row.line): mixes plain strings and {\"id\", \"text\"} objects; use one kind of row")
                    }
                }
                textBytes += (try? row.text.get().utf8.count) ?? 0
                rows.append(row)
            }
            guard !rows.isEmpty else {
                throw InputError("\(input) changed while the job ran: it has fewer rows than counted")
            }
            if state.hasIDs == true, let idsPath, ids == nil { ids = try AppendFile(path: idsPath, fresh: true) }

            let (results, tokens) = try model.embed(rows, EmbeddingRequest(inputs: [], options: options), file: input)
            failures.note(results)
            let encoded: (data: [UInt8], ids: [UInt8]?)
            switch format {
            case .npy: encoded = NpyRows(dimension: dimension, ids: ids != nil).encode(rows, results)
            case .jsonl: encoded = JSONLines().encode(rows, results)
            }
            try out.append(encoded.data)
            if let ids, let bytes = encoded.ids { try ids.append(bytes) }
            state.rowsDone += rows.count
            if format == .npy { try out.write(NpyHeader.bytes(rows: state.rowsDone, dimension: dimension), at: 0) }
            try out.sync()
            try ids?.sync()
            state.outputBytes = out.size
            state.idsBytes = ids?.size ?? 0
            state.inputOffset = reader.offset
            state.lineNumber = reader.lineNumber
            state.tokensDone += tokens
            tokensThisRun += tokens
            try state.save(checkpointPath)
            progress.update(rows: state.rowsDone, tokens: tokensThisRun)
        }
        progress.update(rows: state.rowsDone, tokens: tokensThisRun, force: true)
        progress.finish()
        try? FileManager.default.removeItem(atPath: checkpointPath)
        let seconds = progress.seconds
        return Summary(rows: state.rowsDone, rowsThisRun: state.rowsDone - resumedFrom, resumedFrom: resumedFrom,
                       failedThisRun: failures.count, tokensThisRun: tokensThisRun, seconds: seconds,
                       tokensPerS: Double(tokensThisRun) / max(seconds, 1e-9), output: output, ids: ids == nil ? nil : idsPath,
                       shard: shard.description, peakRssBytes: ProcessMemory.peakBytes)
    }
}
