-- wrk's summary as one JSON line (bench/load.py reads it): wrk prints no 95th percentile of its own.
done = function(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.3f,"bytes":%d,"p50_us":%.0f,"p95_us":%.0f,"p99_us":%.0f,"max_us":%.0f,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
