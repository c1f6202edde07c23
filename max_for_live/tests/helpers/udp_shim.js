"use strict";
// Node stand-ins for [udpsend] and [udpreceive], wired to a device script's outlets.
//
// [udpsend host port]: a Max message becomes one OSC datagram from one socket (so, like Max,
// the source port is not the port replies are wanted on); "host X" and "port N" retarget it.
// [udpreceive N]: every datagram on N becomes a Max message to the script, the OSC address as
// the selector; "port N" rebinds. Max rebinds synchronously, Node asynchronously, so datagrams
// the script sends while a rebind is under way wait for it.
const dgram = require("dgram");
const { encodeMessage, decodePacket } = require("./osc");

class UdpShim {
  constructor(env, { sendOutlet, receiverOutlet, host = "127.0.0.1", port = 7500 }) {
    this.env = env;
    this.host = host;
    this.port = port;
    this.sender = dgram.createSocket("udp4");
    this.receiver = null;
    this.binding = Promise.resolve();
    this.received = [];
    this.sentCount = 0;
    this.errors = [];
    const previous = env.context.onOutlet;
    env.context.onOutlet = (n, args) => {
      if (previous) previous(n, args);
      if (n === sendOutlet) this.udpsend(args);
      else if (n === receiverOutlet && args[0] === "port") this.listen(Number(args[1]));
    };
  }

  udpsend(args) {
    if (args[0] === "host") { this.host = String(args[1]); return; }
    if (args[0] === "port") { this.port = Number(args[1]); return; }
    const packet = encodeMessage(String(args[0]), args.slice(1));
    const host = this.host;
    const port = this.port;
    this.binding.then(() => {
      this.sentCount += 1;
      this.sender.send(packet, port, host, (err) => { if (err) this.errors.push(err); });
    });
  }

  listen(port) {
    const old = this.receiver;
    const socket = dgram.createSocket("udp4");
    this.receiver = socket;
    socket.on("message", (buf) => {
      for (const { address, args } of decodePacket(buf)) {
        this.received.push([address, ...args]);
        this.env.send(address, ...args);
      }
    });
    socket.on("error", (err) => this.errors.push(err));
    this.binding = new Promise((resolve) => {
      const bind = () => socket.bind(port, "127.0.0.1", resolve);
      if (old) old.close(bind);
      else bind();
    });
  }

  close() {
    this.sender.close();
    if (this.receiver) this.receiver.close();
  }
}

module.exports = { UdpShim };
