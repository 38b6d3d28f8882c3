'use strict';
// Loaded into every Node.js process of a run by `runner --intercept`
// (NODE_OPTIONS=--require). Node's built-in fetch ignores HTTPS_PROXY before
// Node 22.21 / 24 (and there without NODE_USE_ENV_PROXY=1): this sends it
// through the runner's forward proxy with a CONNECT tunnel per connection.
// TLS inside the tunnel verifies against the system roots plus
// NODE_EXTRA_CA_CERTS, as fetch itself would. Any failure here leaves fetch
// as it was.
(function () {
  const proxy = process.env.RUNNER_INTERCEPT_PROXY;
  if (!proxy || typeof globalThis.fetch !== 'function') return;
  const [major, minor] = process.versions.node.split('.').map(Number);
  const native = major >= 24 || (major === 22 && minor >= 21);
  if (native && process.env.NODE_USE_ENV_PROXY === '1') return; // fetch honours HTTPS_PROXY itself
  try {
    const net = require('net');
    const tls = require('tls');
    const key = Symbol.for('undici.globalDispatcher.1');
    if (!globalThis[key]) {
      // The first call loads Node's bundled undici, which installs its Agent.
      globalThis.fetch('data:,').catch(() => {});
    }
    const Agent = globalThis[key] && globalThis[key].constructor;
    if (typeof Agent !== 'function') return;
    const p = new URL(proxy);

    function connect(opts, callback) {
      const https = opts.protocol === 'https:';
      const port = opts.port || (https ? 443 : 80);
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      const authority = (host.includes(':') ? '[' + host + ']' : host) + ':' + port;
      const sock = net.connect(Number(p.port), p.hostname);
      let done = false;
      const fail = (err) => {
        if (done) return;
        done = true;
        sock.destroy();
        callback(err);
      };
      sock.once('error', fail);
      sock.once('connect', () => {
        sock.write('CONNECT ' + authority + ' HTTP/1.1\r\nHost: ' + authority + '\r\n\r\n');
      });
      let head = Buffer.alloc(0);
      const onData = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.removeListener('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.[01] 200/.test(status)) {
          fail(new Error('runner interception proxy refused CONNECT ' + authority + ': ' + status));
          return;
        }
        const rest = head.subarray(end + 4);
        if (rest.length) sock.unshift(rest);
        sock.removeListener('error', fail);
        done = true;
        if (!https) {
          callback(null, sock);
          return;
        }
        const t = tls.connect({
          socket: sock,
          servername: opts.servername || (net.isIP(host) ? undefined : host),
          ALPNProtocols: ['http/1.1'],
        });
        t.once('secureConnect', () => {
          t.removeAllListeners('error');
          callback(null, t);
        });
        t.once('error', (err) => callback(err));
      };
      sock.on('data', onData);
    }

    globalThis[key] = new Agent({ connect });
  } catch (_) {
    // leave fetch untouched
  }
})();
