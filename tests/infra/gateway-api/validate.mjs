// Validate one Gateway API object (JSON on stdin) against the CRD's OpenAPI schema, as packaged
// by @kubernetes-models/gateway-api (generated from the upstream CRDs). Prints one problem per
// line and exits 1 when invalid; prints "valid" and exits 0 otherwise.
import fs from "node:fs";

const kinds = {
  HTTPRoute: "gateway.networking.k8s.io/v1/HTTPRoute",
  Gateway: "gateway.networking.k8s.io/v1/Gateway",
  GatewayClass: "gateway.networking.k8s.io/v1/GatewayClass",
};
const doc = JSON.parse(fs.readFileSync(0, "utf8"));
const path = kinds[doc.kind];
if (!path) {
  console.log(`unsupported kind ${doc.kind}; this checks ${Object.keys(kinds).join(", ")}`);
  process.exit(1);
}
const module = await import(`@kubernetes-models/gateway-api/${path}`);
try {
  new module[doc.kind](doc).validate();
  console.log("valid");
} catch (error) {
  for (const line of String(error.message).split(", ")) console.log(line);
  process.exit(1);
}
