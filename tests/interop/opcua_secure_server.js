// An independent OPC UA server (node-opcua) with security, for Gantry's secure interop tests, on
// loopback only. Usage: node opcua_secure_server.js <port> <pki-folder>
// Prints "READY <port> <namespace index>" once it accepts connections; exits when stdin closes.
//
// Endpoints: Basic256Sha256, Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss, each in Sign and
// SignAndEncrypt (no None endpoint). Users: anonymous, and user "operator" with password
// "secret". Client certificates are accepted automatically (the server side's trust is not what
// these tests are about). Its own certificate stays in <pki-folder>/server/own/certs across
// restarts, so a Gantry client that trusted it once keeps trusting it.
//
// Address space (namespace "urn:gantry:interop"):
//   ns=N;s=Line1.Temperature  Double   21.5, static
//   ns=N;s=Line1.Counter      Int32    +1 every 100 ms
"use strict";
const path = require("path");
const {
  OPCUAServer, Variant, DataType, MessageSecurityMode, SecurityPolicy,
  OPCUACertificateManager, VariantArrayType,
} = require("node-opcua");

async function main() {
  const port = parseInt(process.argv[2], 10);
  const pki = process.argv[3] || path.join(__dirname, ".opcua-secure-pki");
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
    securityPolicies: [
      SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes128_Sha256_RsaOaep,
      SecurityPolicy.Aes256_Sha256_RsaPss,
    ],
    securityModes: [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: true,
    userManager: {
      isValidUser: (userName, password) => userName === "operator" && password === "secret",
    },
    buildInfo: { productName: "gantry-secure-interop", buildNumber: "1" },
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
      value: { get: () => new Variant({ dataType: DataType[dataType], arrayType: VariantArrayType.Scalar, value: get() }) },
    });
  let counter = 0;
  setInterval(() => { counter += 1; }, 100).unref();
  add("Temperature", "Double", () => 21.5);
  add("Counter", "Int32", () => counter);

  // With GANTRY_OPCUA_BENCH_ITEMS=K (benchmark): K Doubles ns=N;s=Bench.<i> changing every
  // GANTRY_OPCUA_BENCH_PERIOD_MS (default 100) ms, as in opcua_server.js.
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
  process.stderr.write(`opcua_secure_server failed: ${err.stack || err}\n`);
  process.exit(1);
});
