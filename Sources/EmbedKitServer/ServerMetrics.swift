import Prometheus

/// The server's Prometheus metrics, in a registry of its own (no global metrics bootstrap), served
/// as text at `/metrics`.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let queueSize: Gauge
    let queueTokens: Gauge
    let inFlightTokens: Gauge
    let concurrentRequests: Gauge
    let batchSize: ValueHistogram
    let batchTokens: ValueHistogram
    let inferenceDuration: DurationHistogram
    let tokens: Counter
    let inputs: Counter
    let modelLoaded: Gauge
    let memoryLimit: Gauge
    let memoryReserved: Gauge
    let memoryRejections: Counter
    let residentBytes: Gauge
    let peakResidentBytes: Gauge

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    init() {
        queueSize = registry.makeGauge(name: "embedkit_queue_size", help: "Inputs waiting for the engine")
        queueTokens = registry.makeGauge(name: "embedkit_queue_tokens", help: "Tokens of the inputs waiting for the engine")
        inFlightTokens = registry.makeGauge(name: "embedkit_inflight_tokens", help: "Tokens in the forward pass running now")
        concurrentRequests = registry.makeGauge(
            name: "embedkit_concurrent_requests", help: "Requests being handled (limited by --max-concurrent-requests)")
        batchSize = registry.makeValueHistogram(
            name: "embedkit_batch_size", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            help: "Inputs per forward pass")
        batchTokens = registry.makeValueHistogram(
            name: "embedkit_batch_tokens", buckets: [16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
            help: "Tokens per forward pass (the engine never pads)")
        inferenceDuration = registry.makeDurationHistogram(
            name: "embedkit_inference_duration_seconds", buckets: Self.latencyBuckets,
            help: "Time of one forward pass")
        tokens = registry.makeCounter(name: "embedkit_tokens_total",
                                      help: "Tokens the forward passes computed (the engine never pads)")
        inputs = registry.makeCounter(name: "embedkit_inputs_total", help: "Inputs embedded")
        modelLoaded = registry.makeGauge(name: "embedkit_model_loaded", help: "1 once the model is loaded")
        memoryLimit = registry.makeGauge(name: "embedkit_memory_limit_bytes", help: "The memory budget (--max-memory)")
        memoryReserved = registry.makeGauge(name: "embedkit_memory_reserved_bytes",
                                            help: "Memory reserved by the requests being handled")
        memoryRejections = registry.makeCounter(name: "embedkit_memory_rejections_total",
                                                help: "Requests answered 503 because the memory budget was in use")
        residentBytes = registry.makeGauge(name: "embedkit_resident_bytes", help: "Resident memory of the process (VmRSS)")
        peakResidentBytes = registry.makeGauge(name: "embedkit_peak_resident_bytes",
                                               help: "Resident high-water mark of the process (VmHWM)")
    }

    func recordBatch(size: Int, tokens count: Int, duration: Duration) {
        batchSize.record(Double(size))
        batchTokens.record(Double(count))
        inferenceDuration.record(duration)
        tokens.increment(by: Int64(count))
        inputs.increment(by: Int64(size))
    }

    func recordRequest(route: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "embedkit_requests_total",
                             labels: [("route", route), ("status", String(status))],
                             help: "HTTP requests by route and status").increment()
        registry.makeDurationHistogram(name: "embedkit_request_duration_seconds", labels: [("route", route)],
                                       buckets: Self.latencyBuckets, help: "HTTP request latency").record(duration)
    }

    func render() -> String { registry.emitToString() }
}
