// An independent OPC UA server (node-opcua) for Gantry's interop tests, on loopback only.
// Usage: node opcua_server.js <port> <pki-folder>
// Prints "READY <port> <namespace index>" once it accepts connections; exits when stdin closes (the test ended).
//
// Address space (namespace "urn:gantry:interop", index N as printed; node-opcua puts it at 2):
//   ns=N;s=Line1.Temperature  Double   21.5, static
//   ns=N;s=Line1.Counter      Int32    +1 every 100 ms
//   ns=N;s=Line1.Running      Boolean  true
//   ns=N;s=Line1.Name         String   "Filler"
//   ns=N;s=Line1.Speed        Float    12.25, static
//   ns=N;s=Line1.Total        UInt64   10000000000, static
//   ns=N;s=Line1.Setpoint     Double   writable, starts at 50
//   ns=N;s=Line1.Mode         Int32    writable, starts at 1
// With GANTRY_OPCUA_BENCH_ITEMS=K in the environment (benchmark): K Doubles ns=N;s=Bench.<i>
// under the object Bench, each changing every GANTRY_OPCUA_BENCH_PERIOD_MS (default 100) ms.
"use strict";
const path = require("path");
const {
  OPCUAServer, Variant, DataType, MessageSecurityMode, SecurityPolicy,
  OPCUACertificateManager, VariantArrayType, StatusCodes,
} = require("node-opcua");

async function main() {
  const port = parseInt(process.argv[2], 10);
  const pki = process.argv[3] || path.join(__dirname, ".opcua-pki");
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(pki, "server"),
    automaticallyAcceptUnknownCertificate: true,
  });
  const server = new OPCUAServer({
    port,
    hostname: "127.0.0.1",
    alternateHostname: ["127.0.0.1"],
    resourcePath: "/gantry",
    serverCertificateManager,
    securityPolicies: [SecurityPolicy.None],
    securityModes: [MessageSecurityMode.None],
    allowAnonymous: true,
    buildInfo: { productName: "gantry-interop", buildNumber: "1" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.registerNamespace("urn:gantry:interop");
  const line = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Line1" });
  const add = (name, dataType, get) =>
    ns.addVariable({
      componentOf: line,
      nodeId: `ns=${ns.index};s=Line1.${name}`,
      minimumSamplingInterval: 100,
      browseName: name,
      dataType,
      accessLevel: "CurrentRead",
      userAccessLevel: "CurrentRead",
      value: { get: () => new Variant({ dataType: DataType[dataType], arrayType: VariantArrayType.Scalar, value: get() }) },
    });
  let counter = 0;
  setInterval(() => { counter += 1; }, 100).unref();
  add("Temperature", "Double", () => 21.5);
  add("Counter", "Int32", () => counter);
  add("Running", "Boolean", () => true);
  add("Name", "String", () => "Filler");
  add("Speed", "Float", () => 12.25);
  add("Total", "UInt64", () => [2, 1410065408]);  // 10 000 000 000 as [high, low]
  const writable = (name, dataType, initial) => {
    let value = initial;
    ns.addVariable({
      componentOf: line,
      nodeId: `ns=${ns.index};s=Line1.${name}`,
      minimumSamplingInterval: 100,
      browseName: name,
      dataType,
      accessLevel: "CurrentRead | CurrentWrite",
      userAccessLevel: "CurrentRead | CurrentWrite",
      value: {
        get: () => new Variant({ dataType: DataType[dataType], value }),
        set: (v) => { value = v.value; return StatusCodes.Good; },
      },
    });
  };
  writable("Setpoint", "Double", 50);
  writable("Mode", "Int32", 1);

  const benchItems = parseInt(process.env.GANTRY_OPCUA_BENCH_ITEMS || "0", 10);
  if (benchItems > 0) {
    const period = parseInt(process.env.GANTRY_OPCUA_BENCH_PERIOD_MS || "100", 10);
    const bench = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: "Bench" });
    let tick = 0;
    setInterval(() => { tick += 1; }, period).unref();
    for (let i = 0; i < benchItems; i += 1) {
      ns.addVariable({
        componentOf: bench,
        nodeId: `ns=${ns.index};s=Bench.${i}`,
        minimumSamplingInterval: period,
        browseName: `B${i}`,
        dataType: "Double",
        value: { get: () => new Variant({ dataType: DataType.Double, value: tick * 1000 + i }) },
      });
    }
  }
  await server.start();
  process.stdout.write(`READY ${server.endpoints[0].port} ${ns.index}\n`);
  process.stdin.on("end", async () => {
    await server.shutdown(100);
    process.exit(0);
  });
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`opcua_server failed: ${err.stack || err}\n`);
  process.exit(1);
});
