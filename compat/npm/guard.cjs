'use strict';
// Loaded by the compatibility test into every Node.js process (NODE_OPTIONS
// --require): no connection may leave loopback. A library that ignores the
// runner's variables and dials a public API host gets an error naming the
// host instead of reaching the internet.
const net = require('net');

const loopback = (host) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host || '');

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let o = args[0];
  if (Array.isArray(o)) o = o[0]; // internal normalized form
  let host;
  if (o && typeof o === 'object') {
    if (o.path) return connect.apply(this, args); // a Unix socket
    host = o.host === undefined ? 'localhost' : o.host;
  } else if (typeof o === 'number' || /^\d+$/.test(String(o))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else {
    return connect.apply(this, args); // a Unix socket path
  }
  if (!loopback(host)) {
    const err = new Error('compat guard: blocked a connection to ' + host + ' (the library ignored the runner variables)');
    err.code = 'ECONNREFUSED';
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};
