// An independent Modbus TCP server (npm modbus-serial ServerTCP) for Gantry's interop test.
//   node tests/interop/modbus_server.js PORT
// Listens on 127.0.0.1:PORT, unit id 1, prints "ready PORT" once listening and exits on SIGTERM.
// Register map (0-based addresses), below 1000 only; above that it answers exception 02:
//   hr:0 = 1234, hr:1..2 = float32 12.5 (high word first), hr:3 = 0x0008 (bit 3 set),
//   hr:10..13 = "P-17" (two characters per register), ir:5 = -125 (int16), co:0 = true,
//   di:1 = false, di:2 = true; everything else 0.
"use strict";
const ModbusRTU = require("modbus-serial");

const port = parseInt(process.argv[2], 10);
if (!(port > 0 && port < 65536)) {
  console.error("usage: node modbus_server.js PORT");
  process.exit(2);
}

const holding = new Map([[0, 1234], [1, 0x4148], [2, 0x0000], [3, 0x0008],
  [10, 0x502d], [11, 0x3137], [12, 0], [13, 0]]);
const input = new Map([[5, 0x10000 - 125]]);
const coils = new Map([[0, true]]);
const discrete = new Map([[1, false], [2, true]]);

function lookup(table, addr, fallback) {
  if (addr >= 1000) return Promise.reject({ modbusErrorCode: 0x02, msg: "Invalid address" });
  return table.has(addr) ? table.get(addr) : fallback;
}

const vector = {
  getHoldingRegister: (addr) => lookup(holding, addr, 0),
  getInputRegister: (addr) => lookup(input, addr, 0),
  getCoil: (addr) => lookup(coils, addr, false),
  getDiscreteInput: (addr) => lookup(discrete, addr, false),
  setRegister: (addr, value) => { holding.set(addr, value); },
  setCoil: (addr, value) => { coils.set(addr, value); },
};

const server = new ModbusRTU.ServerTCP(vector, { host: "127.0.0.1", port, unitID: 1 });
server.on("initialized", () => console.log(`ready ${port}`));
server.on("serverError", (err) => {
  console.error(`server error: ${err.message}`);
  process.exit(1);
});
server.on("socketError", () => {});  // a client going away is normal
process.on("SIGTERM", () => server.close(() => process.exit(0)));
