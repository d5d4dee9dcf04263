-- The wrk script of every wrk run in bench/run.sh.
--
-- Name lookup: wrk takes the server name (SNI) and the Host header from the URL's host, and would also connect to
-- whatever that name resolves to. This keeps the name (e.g. https://ecdsa.term.bench.test:PORT/) but connects to
-- 127.0.0.1 on the URL's port, without touching /etc/hosts. URLs that already name 127.0.0.1 are unaffected.
function wrk.resolve(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end

-- The tail beyond wrk's --latency table (which stops at 99 %): one line parse.py reads.
function done(summary, latency, requests)
  io.write(string.format("Latency p99.9: %dus\n", latency:percentile(99.9)))
end
