// Real-server corpus entry: SCIMMY 1.3.5 + scimmy-routers 1.3.2 on Express 4, in memory.
//
// This is the small app a vendor following the two READMEs would write: declare SCIMMY's
// bundled User and Group resource types with ingress/egress/degress handlers, then mount
// `new SCIMMYRouters({type, handler})` in an Express app. Everything SCIM-protocol related
// (body parsing, filter parsing, PATCH, schema validation, ListResponse, error bodies,
// discovery endpoints) is done by scimmy / scimmy-routers, NOT by this file. The handlers
// below deliberately add no validation and fix nothing: the point of the corpus is to test
// scimmy, not this glue. Where a choice had to be made, the comment says which and why.
//
// Environment:
//   PORT       port to bind on 127.0.0.1 (0 = ephemeral; default 0)
//   TOKEN      the bearer token clients must send (required)
//   PORT_FILE  optional: once listening, the actual port is written here (atomically)
//
// The SCIM base URL ("Tenant URL" in Entra) is http://127.0.0.1:<port>/scim/v2

import {randomUUID} from "node:crypto";
import {renameSync, writeFileSync} from "node:fs";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const TOKEN = process.env.TOKEN;
const PORT = Number(process.env.PORT ?? 0);
const PORT_FILE = process.env.PORT_FILE;
// Mount point: scimmy-routers' README recommends a mountpath containing "/scim".
const MOUNT = "/scim/v2";

if (!TOKEN) {
    console.error("server.js: TOKEN must be set");
    process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// In-memory stores. Plain Maps keyed by the server-assigned id; values are the plain objects
// the handlers return to SCIMMY (SCIMMY re-coerces them through its schema on every egress).
// ---------------------------------------------------------------------------------------------
const users = new Map();
const groups = new Map();

// Copy a SCIMMY schema instance into a plain object for storage. SCIMMY hands ingress a frozen
// Schemas.User / Schemas.Group instance whose toJSON() yields the attributes that have values;
// a JSON round trip is the simplest faithful way to keep "what the client sent, as coerced by
// SCIMMY" without holding on to SCIMMY's proxies.
const plain = (instance) => JSON.parse(JSON.stringify(instance));

// Choice: meta.created / meta.lastModified are kept by the store (as any database row would have
// created/updated timestamps); SCIMMY itself sets only meta.resourceType and meta.location.
const stamp = (record, previous) => {
    const now = new Date().toISOString();
    return {...record, meta: {created: previous?.meta?.created ?? now, lastModified: now}};
};

// Choice on uniqueness: SCIMMY does not enforce uniqueness anywhere; its schema only *declares*
// `uniqueness: "server"` on User.userName (Group.displayName is declared "none"). The documented
// IngressHandler example (node_modules/scimmy/dist/lib/types.js, the @example of
// SCIMMY.Types.Resource~IngressHandler) shows the handler turning the data store's unique-constraint
// failure into `new SCIMMY.Types.Error(409, "uniqueness", ...)`. This store therefore has a unique
// constraint exactly where SCIMMY's schema declares one (userName), compared with plain `===`
// (what a JS store or a default, case-sensitive database index does). Nothing for groups.
const assertUnique = (store, attribute, value, selfId) => {
    for (const [id, record] of store) {
        if (id !== selfId && record[attribute] === value)
            throw new SCIMMY.Types.Error(409, "uniqueness", `${attribute} '${value}' is not unique`);
    }
};

// The handlers follow the @example blocks of SCIMMY.Types.Resource~IngressHandler /
// ~EgressHandler / ~DegressHandler in node_modules/scimmy/dist/lib/types.js:
//   ingress: update when resource.id is set (404 if unknown), otherwise create;
//   egress:  findOne(resource.id) (404 if unknown), otherwise findMany(resource.filter, ...);
//   degress: delete(resource.id) (404 if unknown).
// "findMany(resource.filter)" on an in-memory array is `resource.filter.match(array)`: SCIMMY's
// own documented matcher ("Compare and filter a given set of values against this filter
// instance", types.js Filter#match). Sorting and pagination are left to SCIMMY: the egress
// returns every match and SCIMMY's ListResponse applies startIndex/count/sortBy (its JSDoc says
// egress handlers "need only return the array of matching resources").
const handlers = (store, unique) => ({
    ingress: (resource, instance) => {
        const record = plain(instance);
        if (resource.id) {
            const previous = store.get(resource.id);
            if (!previous) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            if (unique) assertUnique(store, unique, record[unique], resource.id);
            const updated = stamp({...record, id: resource.id}, previous);
            store.set(resource.id, updated);
            return updated;
        } else {
            if (unique) assertUnique(store, unique, record[unique]);
            // Choice: random UUIDs as ids (the common choice; Entra treats ids as opaque strings).
            const created = stamp({...record, id: randomUUID()});
            store.set(created.id, created);
            return created;
        }
    },
    egress: (resource) => {
        if (resource.id) {
            const found = store.get(resource.id);
            if (!found) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            return found;
        }
        const all = [...store.values()];
        return resource.filter ? resource.filter.match(all) : all;
    },
    degress: (resource) => {
        if (!store.delete(resource.id))
            throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
    }
});

// Choice: the enterprise extension is declared, as optional (required: false), the way the
// SCIMMY.Resources docs show ("Add the EnterpriseUser schema as ... extension"): Entra's default
// mapping writes department/employeeNumber/manager under it, and an undeclared extension would be
// silently dropped by SCIMMY's coercion. Optional because Entra does not always send it.
SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    ...handlers(users, "userName"),
    extensions: [{schema: SCIMMY.Schemas.EnterpriseUser, required: false}]
});
SCIMMY.Resources.declare(SCIMMY.Resources.Group, handlers(groups, null));

const app = express();

// scimmy-routers' documented `handler` hook is the authentication point: throwing makes the
// router answer 401 with a SCIM Error body (routers.js SCIMMYRouters constructor). Choice: an
// exact comparison with "Bearer <TOKEN>". It returns nothing because the token is not tied to a
// SCIM user (the return value only feeds /Me, which then answers 501).
app.use(MOUNT, new SCIMMYRouters({
    type: "bearer",
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${TOKEN}`)
            throw new Error("Authorization not detected!");
    }
    // No `context` (optional) and no `baseUri` (optional): with baseUri omitted, scimmy-routers
    // documents that meta.location "will default to relative paths". Left at the default.
}));

const server = app.listen(PORT, "127.0.0.1", () => {
    const {port} = server.address();
    if (PORT_FILE) {
        // Write-then-rename so a reader never sees a half-written file.
        writeFileSync(`${PORT_FILE}.tmp`, `${port}\n`);
        renameSync(`${PORT_FILE}.tmp`, PORT_FILE);
    }
    console.log(`scimmy corpus server listening on http://127.0.0.1:${port}${MOUNT}`);
});

// Exit promptly on the signals stop.sh sends.
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
});
