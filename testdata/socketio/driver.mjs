// Drives socket.io-client 4.5.4 (the browser client's version) for the Go tests.
// Commands arrive as JSON lines on stdin; every event received leaves as a
// JSON line on stdout: {"event": name, "data": payload}.
import { io } from "socket.io-client";
import readline from "node:readline";

let socket = null;
const out = (event, data) => process.stdout.write(JSON.stringify({ event, data: data ?? null }) + "\n");

const commands = {
  connect({ url, cookie, origin, transports }) {
    const extraHeaders = {};
    if (cookie) extraHeaders.Cookie = cookie;
    if (origin) extraHeaders.Origin = origin;
    socket = io(url, { withCredentials: true, transports, extraHeaders, reconnection: false, timeout: 10000 });
    socket.on("connect", () => out("connect", { id: socket.id, transport: socket.io.engine.transport.name }));
    socket.on("connect_error", (err) => out("connect_error", { message: err.message, data: err.data ?? null }));
    socket.on("disconnect", (reason) => out("disconnect", { reason }));
    socket.onAny((event, data) => out(event, data));
  },
  emit({ event, data }) {
    socket.emit(event, data);
  },
  disconnect() {
    socket.disconnect();
  },
  exit() {
    process.exit(0);
  },
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line);
  commands[cmd.op](cmd);
});
process.stdin.on("end", () => process.exit(0));
