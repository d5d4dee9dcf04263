-- wrk script for the terminated TLS scenarios: wrk takes the server name (SNI) and the Host header from the URL's
-- host, and would also connect to whatever that name resolves to. This keeps the name (e.g.
-- https://ecdsa.term.bench.test:PORT/) but connects to 127.0.0.1 on the URL's port, without touching /etc/hosts.
function wrk.resolve(host, service)
  wrk.addrs = wrk.lookup("127.0.0.1", service)
end
