// An independent Modbus TCP server (npm modbus-serial ServerTCP) for Gantry's interop tests.
//   node tests/interop/modbus_server.js PORT [--max-registers N] [--unmapped A,B,...]
//                                            [--gateway] [--unit-fails U:CODE,...]
// Listens on 127.0.0.1:PORT, unit id 1, prints "ready PORT" once listening and exits on SIGTERM.
// Quirks of real devices, on request:
//   --max-registers N   a read of more than N holding/input registers is refused with exception 03
//   --unmapped A,B      holding registers A, B are not mapped: any read covering them gets 02
//   --gateway           answers every unit id (a TCP-to-RTU gateway); each unit has the same map
//   --unit-fails U:C    unit U answers every request with exception C (0x0A path unavailable,
//                       0x0B target failed to respond), like a gateway whose RTU device is off
//   --unit-silent U,... unit U never answers (a gateway that does not send 0B for it)
//   --close-after-reply close the connection after every answer (some small devices do)
//   --idle-close MS     close a connection that sent nothing for MS milliseconds
//   --single-connection a second TCP connection is closed at once (only one client at a time)
//   --rtu PATH          Modbus RTU on the serial device PATH (a socat pty) instead of TCP
//                       (ServerSerial: frames end after 30 ms of silence); PORT is ignored
// Register map (0-based addresses), below 1000 only; above that it answers exception 02:
//   hr:0 = 1234, hr:1..2 = float32 12.5 (high word first), hr:3 = 0x0008 (bit 3 set),
//   hr:10..13 = "P-17" (two characters per register), ir:5 = -125 (int16), co:0 = true,
//   di:1 = false, di:2 = true; everything else 0.
"use strict";
const ModbusRTU = require("modbus-serial");

const port = parseInt(process.argv[2], 10);
if (!(port >= 0 && port < 65536)) {
  console.error("usage: node modbus_server.js PORT [--max-registers N] [--unmapped A,B] " +
                "[--gateway] [--unit-fails U:CODE]");
  process.exit(2);
}
let maxRegisters = 125;
const unmapped = new Set();
let gateway = false;
const unitFails = new Map();
const silentUnits = new Set();
let closeAfterReply = false;
let idleCloseMs = 0;
let singleConnection = false;
let openSockets = 0;
let rtuPath = "";
for (let i = 3; i < process.argv.length; ++i) {
  const flag = process.argv[i];
  if (flag === "--max-registers") maxRegisters = parseInt(process.argv[++i], 10);
  else if (flag === "--unmapped") process.argv[++i].split(",").forEach((a) => unmapped.add(parseInt(a, 10)));
  else if (flag === "--gateway") gateway = true;
  else if (flag === "--unit-fails") {
    process.argv[++i].split(",").forEach((uc) => {
      const [u, c] = uc.split(":");
      unitFails.set(parseInt(u, 10), parseInt(c, 16));
    });
  } else if (flag === "--unit-silent") {
    process.argv[++i].split(",").forEach((u) => silentUnits.add(parseInt(u, 10)));
  } else if (flag === "--close-after-reply") closeAfterReply = true;
  else if (flag === "--idle-close") idleCloseMs = parseInt(process.argv[++i], 10);
  else if (flag === "--single-connection") singleConnection = true;
  else if (flag === "--rtu") rtuPath = process.argv[++i];
  else {
    console.error(`unknown flag ${flag}`);
    process.exit(2);
  }
}

const holding = new Map([[0, 1234], [1, 0x4148], [2, 0x0000], [3, 0x0008],
  [10, 0x502d], [11, 0x3137], [12, 0], [13, 0]]);
const input = new Map([[5, 0x10000 - 125]]);
const coils = new Map([[0, true]]);
const discrete = new Map([[1, false], [2, true]]);

// The exception this unit answers with, or 0.
function unitFailure(unit) {
  return unitFails.has(unit) ? unitFails.get(unit) : 0;
}

const never = () => new Promise(() => {});

function lookup(table, addr, fallback, unit) {
  if (silentUnits.has(unit)) return never();
  const failure = unitFailure(unit);
  if (failure) return Promise.reject({ modbusErrorCode: failure, msg: "gateway" });
  if (addr >= 1000 || (table === holding && unmapped.has(addr))) {
    return Promise.reject({ modbusErrorCode: 0x02, msg: "Invalid address" });
  }
  return table.has(addr) ? table.get(addr) : fallback;
}

// Several registers at once: the whole request is refused when it is too long, covers an
// unmapped register or goes to a failed unit (thrown synchronously: one exception answer).
function lookupMany(table, addr, length, unit) {
  if (silentUnits.has(unit)) return Array.from({ length }, never);
  const failure = unitFailure(unit);
  if (failure) throw { modbusErrorCode: failure, msg: "gateway" };
  if (length > maxRegisters) throw { modbusErrorCode: 0x03, msg: "too many registers" };
  const values = [];
  for (let a = addr; a < addr + length; ++a) {
    if (a >= 1000 || (table === holding && unmapped.has(a))) {
      throw { modbusErrorCode: 0x02, msg: "Invalid address" };
    }
    values.push(table.has(a) ? table.get(a) : 0);
  }
  return values;
}

function write(table, addr, value, unit) {
  if (silentUnits.has(unit)) return never();
  const failure = unitFailure(unit);
  if (failure) return Promise.reject({ modbusErrorCode: failure, msg: "gateway" });
  if (addr >= 1000 || (table === holding && unmapped.has(addr))) {
    return Promise.reject({ modbusErrorCode: 0x02, msg: "Invalid address" });
  }
  table.set(addr, value);
  return undefined;
}

const vector = {
  getHoldingRegister: (addr, unit) => lookup(holding, addr, 0, unit),
  getMultipleHoldingRegisters: (addr, length, unit) => lookupMany(holding, addr, length, unit),
  getInputRegister: (addr, unit) => lookup(input, addr, 0, unit),
  getMultipleInputRegisters: (addr, length, unit) => lookupMany(input, addr, length, unit),
  getCoil: (addr, unit) => lookup(coils, addr, false, unit),
  getDiscreteInput: (addr, unit) => lookup(discrete, addr, false, unit),
  setRegister: (addr, value, unit) => write(holding, addr, value, unit),
  setCoil: (addr, value, unit) => write(coils, addr, value, unit),
};

if (rtuPath) {
  const serial = new ModbusRTU.ServerSerial(vector,
    { path: rtuPath, baudRate: 19200, parity: "none", unitID: gateway ? 255 : 1 });
  serial.on("initialized", () => console.log(`ready rtu ${rtuPath}`));
  serial.on("error", (err) => console.error(`serial error: ${err.message}`));
  process.on("SIGTERM", () => serial.close(() => process.exit(0)));
  return;
}
const server = new ModbusRTU.ServerTCP(vector, { host: "127.0.0.1", port, unitID: gateway ? 255 : 1 });
// ServerTCP's own handler is registered first; this one only changes how the socket ends.
server._server.on("connection", (sock) => {
  if (singleConnection && openSockets > 0) {
    console.log("refused a second connection");
    sock.destroy();
    return;
  }
  ++openSockets;
  sock.once("close", () => --openSockets);
  if (closeAfterReply) {
    const write = sock.write.bind(sock);
    sock.write = (buffer) => {
      write(buffer);
      sock.end();
      return true;
    };
  }
  if (idleCloseMs > 0) sock.setTimeout(idleCloseMs, () => sock.destroy());
});
server.on("initialized", () => console.log(`ready ${port}`));
server.on("serverError", (err) => {
  console.error(`server error: ${err.message}`);
  process.exit(1);
});
server.on("socketError", () => {});  // a client going away is normal
process.on("SIGTERM", () => server.close(() => process.exit(0)));
