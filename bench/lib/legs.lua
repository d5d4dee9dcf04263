-- The wrk script of bench/legs.sh: every request carries a field no other request has (X-Seq: thread-counter),
-- which the proxies forward to the backend, so that a packet capture can match the two copies of each request.
local threads = 0
local counter = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

-- As bench/lib/wrk.lua: keep the URL's name, connect to 127.0.0.1.
function wrk.resolve(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end

function request()
  counter = counter + 1
  return wrk.format(nil, nil, {["Host"] = "app.bench.test", ["X-Seq"] = tid .. "-" .. counter})
end

function done(summary, latency, requests)
  io.write(string.format("Latency p99.9: %dus\n", latency:percentile(99.9)))
end
