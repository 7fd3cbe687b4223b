// The lab API's CORS policy in Express, with the `cors` middleware package.
// Run: npm ci (package.json pins express and cors; scripts/setup.sh does it), then
//      ALLOWED_ORIGINS=http://localhost:3000,http://localhost:3001 PORT=9001 node server.js
// Docs: https://expressjs.com/en/resources/middleware/cors.html
const express = require("express");
const cors = require("cors");

const allowed = (process.env.ALLOWED_ORIGINS || "").split(",").filter(Boolean);

const app = express();

// The cors package adds Vary: Origin only when it allows the origin; a refused origin's answer
// would go without it, so a shared cache could keep it for everyone. Add it to every answer.
app.use((req, res, next) => { res.vary("Origin"); next(); });

app.use(cors({
  // A function: exact match against the allowlist. `origin: "*"` (the package's default,
  // `cors()` with no options) allows every origin and cannot be combined with credentials.
  origin: (origin, callback) => callback(null, allowed.includes(origin) ? origin : false),
  credentials: true,                                   // Access-Control-Allow-Credentials: true
  methods: ["GET", "POST", "PUT", "DELETE"],
  allowedHeaders: ["Content-Type", "Authorization", "X-Trace-Id"],
  exposedHeaders: ["X-Request-Id"],
  maxAge: 600,
  // The package answers an allowed preflight itself with 204 (optionsSuccessStatus); for a
  // refused origin it sets nothing and calls next(): Express answers the OPTIONS with 200.
}));

app.get("/v1/users", (req, res) => {
  res.set("X-Request-Id", require("crypto").randomUUID());
  res.json({ users: [{ id: 1, name: "ada" }] });
});

app.put("/v1/users/:id", express.json(), (req, res) => {
  res.json({ id: Number(req.params.id), name: (req.body || {}).name });
});

app.listen(Number(process.env.PORT || 9001), "127.0.0.1");
