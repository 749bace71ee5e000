#!/usr/bin/env bash
# probe.sh STATE_DIR
# Replay, against a server started by start.sh STATE_DIR, every probe behind GROUND_TRUTH.md:
# the requests Entra ID's provisioning service sends (legacy default dialect and the
# `?aadOptscim062020` compliant dialect, /work/shared/entra-protocol.md §1-7), plus read-backs.
# For each probe it prints:
#   ### <behaviour id>            (the id used in GROUND_TRUTH.md; ".readback" = GET after it)
#   > METHOD /path?query           (path relative to the SCIM base URL in STATE_DIR/url)
#   > header lines that differ from the defaults, then the request body, if any
#   < STATUS  content-type: ...  [location: ...] [www-authenticate: ...]
#   < response body (as received)
# Defaults: "Authorization: Bearer <STATE_DIR/token>", and for bodies
# "Content-Type: application/scim+json; charset=utf-8" (what Entra sends). GETs carry no Accept
# header unless stated (Entra's Test Connection GET carries no SCIM media type).
# Names carry a per-run tag, so the script can be replayed against the same running server.
# Needs curl and node. Every request is bounded (--max-time 5).
set -euo pipefail
state=${1:?usage: probe.sh STATE_DIR}
URL=$(cat "$state/url")
TOKEN=$(cat "$state/token")
R=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
EXT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A V=([R]=$R [EXT]=$EXT)
# fill TEMPLATE: replace every @KEY@ with ${V[KEY]}
fill() {
  local s=$1 k
  for k in "${!V[@]}"; do s=${s//@$k@/${V[$k]}}; done
  printf '%s' "$s"
}
# jget JSONPATH: read a value from the last response body (a.b.0.c), empty if absent
jget() {
  node -e '
    let v = JSON.parse(require("fs").readFileSync(0, "utf8") || "null");
    for (const k of process.argv[1].split(".")) v = (v == null ? undefined : v[k]);
    process.stdout.write(v === undefined ? "" : (typeof v === "object" ? JSON.stringify(v) : String(v)));
  ' "$1" <"$tmp/body" 2>/dev/null || true
}

AUTH="Bearer $TOKEN"   # set to "" for a request without Authorization header
CTYPE="application/scim+json; charset=utf-8"
LAST_STATUS=

# req ID METHOD PATH [BODY] [extra curl args...]
req() {
  local id=$1 method=$2 path; path=$(fill "$3"); local body=${4-}
  shift 3; (($#)) && shift
  [[ -n $body ]] && body=$(fill "$body")
  local args=(-sS --max-time 5 -X "$method" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}')
  echo "### $id"
  echo "> $method $path"
  if [[ -n $AUTH ]]; then
    args+=(-H "Authorization: $AUTH")
    [[ $AUTH == "Bearer $TOKEN" ]] || echo "> Authorization: $AUTH"
  else
    echo "> (no Authorization header)"
  fi
  local a
  for a in "$@"; do
    [[ $a == -H ]] && continue
    if [[ $a == *: ]]; then echo "> (no ${a%:} header)"; else echo "> $a"; fi
  done
  if [[ -n $body ]]; then
    args+=(-H "Content-Type: $CTYPE" --data-binary "$body")
    [[ $CTYPE == "application/scim+json; charset=utf-8" ]] || echo "> Content-Type: $CTYPE"
    echo "> $body"
  fi
  LAST_STATUS=$(curl "${args[@]}" "$@" "$URL$path" 2>"$tmp/err" || true)
  [[ -s $tmp/err ]] && echo "! curl: $(cat "$tmp/err")"
  local hdrs
  hdrs=$(tr -d '\r' <"$tmp/headers" | grep -iE '^(content-type|location|www-authenticate):' \
    | sed -E 's/^([^:]*):/\L\1:/' | paste -sd' ' - || true)
  echo "< $LAST_STATUS  $hdrs"
  if [[ -s $tmp/body ]]; then echo "< $(cat "$tmp/body")"; else echo "< (no body)"; fi
  echo
}
get() { req "$1.readback" GET "$2"; }

GUID=7d420df3-9995-4831-a406-ecf8166f5f6a

echo "# scimmy 1.3.5 + scimmy-routers 1.3.2 probes against $URL (run tag $R)"
echo

# ---------------------------------------------------------------- 1. Test Connection and auth
req testconn-users-filter-guid GET "/Users?filter=userName+eq+%22$GUID%22" "" -H "Accept:"
req testconn-users-filter-guid-accept-scim GET "/Users?filter=userName+eq+%22$GUID%22" "" -H "Accept: application/scim+json"
req testconn-groups-filter-guid GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22$GUID%22" "" -H "Accept:"
req testconn-externalId-filter-guid GET "/Users?filter=externalId+eq+%22$GUID%22"
req tenant-url-flag-query-forwarded GET "/Users?aadOptscim062020&filter=userName+eq+%22$GUID%22"
AUTH=""
req auth-missing-token GET "/Users?filter=userName+eq+%22$GUID%22"
AUTH="Bearer wrong-token"
req auth-wrong-token GET "/Users?filter=userName+eq+%22$GUID%22"
AUTH="Basic dXNlcjpwYXNz"
req auth-wrong-scheme GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22$GUID%22"
AUTH=""
req auth-discovery-without-token GET "/ServiceProviderConfig"
AUTH="Bearer $TOKEN"

# ---------------------------------------------------------------- 2. Create user
req create-user-entra-default-body POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","@EXT@"],"externalId":"ext-alice-@R@","userName":"alice.@R@@contoso.com","active":true,"displayName":"Alice Smith","title":"Engineer","emails":[{"primary":true,"type":"work","value":"alice.@R@@contoso.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Alice Smith","familyName":"Smith","givenName":"Alice"},"roles":[],"@EXT@":{"department":"R&D","employeeNumber":"E-1001"}}'
V[ALICE]=$(jget id)
get create-user-entra-default-body "/Users/@ALICE@"
# On a fresh server ALICE is the only user here, and every user has emails:
req filter-emails-work-value-all-have-emails GET "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22alice.@R@%40contoso.com%22"
req create-user-full-default-mapping POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","@EXT@"],"externalId":"bob-@R@","userName":"bob.@R@@contoso.com","active":true,"displayName":"Bob Jones","title":"Manager","preferredLanguage":"en-US","emails":[{"primary":true,"type":"work","value":"bob.@R@@contoso.com"}],"name":{"formatted":"Bob Jones","familyName":"Jones","givenName":"Bob"},"addresses":[{"type":"work","formatted":"1 Main St","streetAddress":"1 Main St","locality":"Springfield","region":"IL","postalCode":"62701","country":"US"}],"phoneNumbers":[{"type":"work","value":"555-555-5555"}],"@EXT@":{"department":"Sales","employeeNumber":"E-1002"}}'
V[BOB]=$(jget id)
req create-minimal-schemas-userName-active POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"min.@R@","active":true}'
V[MIN]=$(jget id)
req create-without-name POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"noname.@R@","active":true,"emails":[{"primary":true,"type":"work","value":"noname.@R@@contoso.com"}]}'
req create-without-emails POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"noemail.@R@","active":true,"name":{"givenName":"No","familyName":"Email"}}'
V[NOEMAIL]=$(jget id)
req create-requires-userName POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true,"displayName":"No UserName"}'
req create-without-schemas POST /Users '{"userName":"noschemas.@R@","active":true}'
CTYPE="application/json"
req create-content-type-application-json POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"appjson.@R@","active":true}'
CTYPE="application/scim+json; charset=utf-8"
req create-active-string-True POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"activestr.@R@","active":"True"}'
req create-duplicate-userName POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice.@R@@contoso.com","active":true}'
req create-manager-value-object POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\"@EXT@\"],\"userName\":\"mgrobj.@R@\",\"active\":true,\"@EXT@\":{\"manager\":{\"value\":\"@ALICE@\"}}}"
V[MGROBJ]=$(jget id)
req create-manager-bare-string POST /Users "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\"@EXT@\"],\"userName\":\"mgrstr.@R@\",\"active\":true,\"@EXT@\":{\"manager\":\"@ALICE@\"}}"
req create-unknown-attribute-ignored POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"unknownattr.@R@","active":true,"favouriteColour":"blue"}'

# ---------------------------------------------------------------- 3. Filters
req filter-setup-alice2 POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice.@R@@contoso.com2","active":true}'
req filter-setup-xalice POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"xalice.@R@@contoso.com","active":true}'
req filter-userName-eq-exact GET "/Users?filter=userName+eq+%22alice.@R@%40contoso.com%22"
req filter-userName-eq-case-insensitive GET "/Users?filter=userName+eq+%22ALICE.@R@%40CONTOSO.COM%22"
req filter-userName-eq-mixed-case GET "/Users?filter=userName+eq+%22Alice.@R@%40Contoso.com%22"
req create-duplicate-userName-case-only POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ALICE.@R@@CONTOSO.COM","active":true}'
req filter-userName-eq-after-case-duplicate GET "/Users?filter=userName+eq+%22alice.@R@%40contoso.com%22&attributes=userName"
req filter-attribute-name-case GET "/Users?filter=USERNAME+EQ+%22alice.@R@%40contoso.com%22"
req filter-externalId-eq GET "/Users?filter=externalId+eq+%22ext-alice-@R@%22"
req filter-setup-special POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"o'"'"'brien+tag.@R@@contoso.com","active":true,"displayName":"Zoë Ærøskøbing"}'
req filter-value-apostrophe-plus GET "/Users?filter=userName+eq+%22o%27brien%2Btag.@R@%40contoso.com%22"
req filter-value-non-ascii GET "/Users?filter=displayName+eq+%22Zo%C3%AB+%C3%86r%C3%B8sk%C3%B8bing%22"
req filter-unknown-attribute GET "/Users?filter=favouriteColour+eq+%22blue%22"
req filter-malformed GET "/Users?filter=userName+eq"
req filter-empty GET "/Users?filter="
req filter-emails-work-value GET "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22alice.@R@%40contoso.com%22"
req filter-enterprise-urn-attribute GET "/Users?filter=@EXT@:employeeNumber+eq+%22E-1001%22"
req filter-legacy-id-and-manager GET "/Users?filter=id+eq+%22@MGROBJ@%22+and+manager.value+eq+%22@ALICE@%22&attributes=id"

# ---------------------------------------------------------------- 4. GET by id / attributes
req get-user-unknown-id GET "/Users/00000000-0000-0000-0000-000000000000"
req get-user-attributes-param GET "/Users/@ALICE@?attributes=userName"

# ---------------------------------------------------------------- 5. PATCH users
P='{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":'
req patch-legacy-capitalised-ops PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"displayName","value":"Alice S."}]}'
get patch-legacy-capitalised-ops "/Users/@ALICE@"
req patch-legacy-active-string-False PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"active","value":"False"}]}'
get patch-legacy-active-string-False "/Users/@ALICE@?attributes=active"
req patch-legacy-active-string-True PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"active","value":"True"}]}'
req patch-doc-disable-boolean-capitalised PATCH "/Users/@ALICE@" '{"Operations":[{"op":"Replace","path":"active","value":false}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}'
get patch-doc-disable-boolean-capitalised "/Users/@ALICE@?attributes=active"
req patch-compliant-active-boolean PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","path":"active","value":true}]}'
get patch-compliant-active-boolean "/Users/@ALICE@?attributes=active"
req patch-pathless-replace-active PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","value":{"active":false}}]}'
get patch-pathless-replace-active "/Users/@ALICE@?attributes=active"
req patch-no-change PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","value":{"active":false}}]}'
req patch-pathless-dotted-keys PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","value":{"name.givenName":"Alicia","name.familyName":"Smythe"}}]}'
get patch-pathless-dotted-keys "/Users/@ALICE@?attributes=name"
req patch-pathless-urn-keys PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","value":{"@EXT@:employeeNumber":"E-2002","@EXT@:department":"Ops"}}]}'
get patch-pathless-urn-keys "/Users/@ALICE@"
req patch-compliant-replace-multiple PATCH "/Users/@ALICE@" "$P"'[{"op":"replace","path":"emails[type eq \"work\"].value","value":"alice.new.@R@@contoso.com"},{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","@EXT@:employeeNumber":"Aklq","active":true}}]}'
get patch-compliant-replace-multiple "/Users/@ALICE@"
req patch-legacy-replace-multiple PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"displayName","value":"Pvlo"},{"op":"Replace","path":"emails[type eq \"work\"].value","value":"alice.@R@@contoso.com"},{"op":"Replace","path":"name.givenName","value":"Gtfd"},{"op":"Replace","path":"name.familyName","value":"Pkqf"},{"op":"Replace","path":"externalId","value":"ext-alice-@R@"},{"op":"Replace","path":"@EXT@:employeeNumber","value":"Eqpj"}]}'
get patch-legacy-replace-multiple "/Users/@ALICE@"
req patch-replace-name-givenName PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"name.givenName","value":"Alice"}]}'
get patch-replace-name-givenName "/Users/@ALICE@?attributes=name"
req patch-replace-title PATCH "/Users/@ALICE@" "$P"'[{"op":"Replace","path":"title","value":"Principal Engineer"}]}'
get patch-replace-title "/Users/@ALICE@?attributes=title"
req patch-add-title-absent PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"title","value":"Intern"}]}'
req patch-add-nickName PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"nickName","value":"Babs"}]}'
req patch-add-enterprise-department PATCH "/Users/@MIN@" "$P"'[{"op":"add","path":"@EXT@:department","value":"Tech Infrastructure"}]}'
get patch-add-enterprise-department "/Users/@MIN@"
req patch-add-emails-work-value-absent PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"Add","path":"emails[type eq \"work\"].value","value":"noemail.@R@@contoso.com"}]}'
get patch-add-emails-work-value-absent "/Users/@NOEMAIL@"
req patch-replace-emails-work-value-absent PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"noemail.@R@@contoso.com"}]}'
req patch-compliant-add-emails-work-value-absent PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"add","path":"emails[type eq \"work\"].value","value":"noemail.@R@@contoso.com"}]}'
req patch-add-emails-work-primary-absent PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"add","path":"emails[type eq \"work\"].primary","value":true}]}'
req patch-add-emails-array PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"Add","path":"emails","value":[{"type":"work","value":"noemail.@R@@contoso.com","primary":true}]}]}'
get patch-add-emails-array "/Users/@NOEMAIL@?attributes=emails"
req patch-replace-emails-work-value-present PATCH "/Users/@NOEMAIL@" "$P"'[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"noemail.changed.@R@@contoso.com"}]}'
get patch-replace-emails-work-value-present "/Users/@NOEMAIL@?attributes=emails"
req patch-add-phoneNumbers-mobile-absent PATCH "/Users/@BOB@" "$P"'[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-555-0001"}]}'
req patch-replace-phoneNumbers-work-present PATCH "/Users/@BOB@" "$P"'[{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"555-555-0002"}]}'
get patch-replace-phoneNumbers-work-present "/Users/@BOB@?attributes=phoneNumbers"
req patch-replace-addresses-work-present PATCH "/Users/@BOB@" "$P"'[{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"2 Main St"}]}'
get patch-replace-addresses-work-present "/Users/@BOB@?attributes=addresses"
req patch-add-addresses-work-absent PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Springfield"}]}'
req patch-replace-userName PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"userName","value":"min.renamed.@R@"}]}'
get patch-replace-userName "/Users/@MIN@?attributes=userName"
req patch-compliant-pathless-userName PATCH "/Users/@MIN@" "$P"'[{"op":"replace","value":{"userName":"min.@R@"}}]}'
get patch-compliant-pathless-userName "/Users/@MIN@?attributes=userName"
req patch-replace-userName-to-existing PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"userName","value":"alice.@R@@contoso.com"}]}'
req patch-replace-externalId PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"externalId","value":"ext-min-@R@"}]}'
get patch-replace-externalId "/Users/@MIN@?attributes=externalId"
req patch-validator-multi-ops PATCH "/Users/@MIN@" "$P"'[{"op":"remove","path":"preferredLanguage"},{"op":"add","path":"externalId","value":"ext-min2-@R@"},{"op":"replace","path":"displayName","value":"Min Two"}]}'
req patch-unknown-attribute-path PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"favouriteColour","value":"blue"}]}'
req patch-unknown-id PATCH "/Users/00000000-0000-0000-0000-000000000000" "$P"'[{"op":"Replace","path":"active","value":false}]}'
req patch-if-match-ignored PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"title","value":"Tagged"}]}' -H 'If-Match: W/"definitely-not-the-version"'

# ---------------------------------------------------------------- 6. Manager
MGRPATH="@EXT@:manager"
req manager-patch-legacy-bare-string PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"'"$MGRPATH"'","value":"@ALICE@"}]}'
get manager-patch-legacy-bare-string "/Users/@MIN@"
req manager-patch-compliant-bare-string PATCH "/Users/@MIN@" "$P"'[{"op":"add","path":"'"$MGRPATH"'","value":"@ALICE@"}]}'
req manager-patch-value-object PATCH "/Users/@MIN@" "$P"'[{"op":"add","path":"'"$MGRPATH"'","value":{"value":"@ALICE@"}}]}'
get manager-patch-value-object "/Users/@MIN@"
req manager-patch-replace-value-object PATCH "/Users/@MIN@" "$P"'[{"op":"replace","path":"'"$MGRPATH"'","value":{"value":"@MGROBJ@"}}]}'
get manager-patch-replace-value-object "/Users/@MIN@"
req manager-patch-bare-string-when-set PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"'"$MGRPATH"'","value":"@ALICE@"}]}'
req manager-patch-old-doc-array-ref PATCH "/Users/@MIN@" "$P"'[{"op":"Add","path":"manager","value":[{"$ref":"http://example/scim/Users/@ALICE@","value":"@ALICE@"}]}]}'
req manager-patch-subattribute-path PATCH "/Users/@MIN@" "$P"'[{"op":"replace","path":"'"$MGRPATH"'.value","value":"@ALICE@"}]}'
get manager-patch-subattribute-path "/Users/@MIN@"
req manager-clear-replace-empty-string PATCH "/Users/@MIN@" "$P"'[{"op":"Replace","path":"'"$MGRPATH"'","value":""}]}'
get manager-clear-replace-empty-string "/Users/@MIN@"
req manager-clear-replace-value-empty PATCH "/Users/@MIN@" "$P"'[{"op":"replace","path":"'"$MGRPATH"'","value":{"value":""}}]}'
get manager-clear-replace-value-empty "/Users/@MIN@"
req manager-setup-again PATCH "/Users/@MIN@" "$P"'[{"op":"add","path":"'"$MGRPATH"'","value":{"value":"@ALICE@"}}]}'
req manager-clear-remove PATCH "/Users/@MIN@" "$P"'[{"op":"remove","path":"'"$MGRPATH"'"}]}'
get manager-clear-remove "/Users/@MIN@"
get create-manager-value-object "/Users/@MGROBJ@"

# ---------------------------------------------------------------- 7. Roles
req roles-create-singleapp-shape POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"externalId":"alias-@R@","userName":"roles1.@R@@contoso.com","active":true,"displayName":"Role One","meta":{"resourceType":"User"},"roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}'
req roles-create-complex-shape POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"roles2.@R@@contoso.com","active":true,"roles":[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","displayName":"Admin","value":"Admin"},{"primary":false,"type":"WindowsAzureActiveDirectoryRole","displayName":"User","value":"User"}]}'
req roles-create-primary-string-True POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"roles3.@R@@contoso.com","active":true,"roles":[{"primary":"True","display":"Admin","value":"Admin"}]}'
req roles-create-without-type POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"roles4.@R@@contoso.com","active":true,"roles":[{"primary":true,"display":"Admin","value":"Admin"}]}'
V[ROLES]=$(jget id)
req roles-patch-add-entra-shape PATCH "/Users/@ROLES@" "$P"'[{"op":"Add","path":"roles","value":[{"value":"Admin","display":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":true}]}]}'
req roles-patch-legacy-stringified PATCH "/Users/@ROLES@" "$P"'[{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]}]}'
get roles-patch-legacy-stringified "/Users/@ROLES@?attributes=roles"
req roles-patch-assertive-replace PATCH "/Users/@ROLES@" "$P"'[{"op":"replace","path":"roles","value":[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"}]}]}'
req roles-patch-validator-primary-filter-path PATCH "/Users/@ROLES@" "$P"'[{"op":"add","path":"roles[primary eq \"True\"].display","value":"Boss"}]}'
get roles-patch-validator-primary-filter-path "/Users/@ROLES@?attributes=roles"

# ---------------------------------------------------------------- 8. Soft delete and DELETE
req soft-delete-active-false PATCH "/Users/@MGROBJ@" "$P"'[{"op":"Replace","path":"active","value":false}]}'
get soft-delete-active-false "/Users/@MGROBJ@?attributes=active"
req soft-delete-still-filterable GET "/Users?filter=userName+eq+%22mgrobj.@R@%22&attributes=active"
req delete-user DELETE "/Users/@MGROBJ@"
req get-after-delete GET "/Users/@MGROBJ@"
req filter-after-delete GET "/Users?filter=userName+eq+%22mgrobj.@R@%22"
req delete-user-twice DELETE "/Users/@MGROBJ@"
req patch-after-delete PATCH "/Users/@MGROBJ@" "$P"'[{"op":"Replace","path":"active","value":false}]}'
req delete-unknown-user DELETE "/Users/00000000-0000-0000-0000-000000000000"

# ---------------------------------------------------------------- 9. Groups
req group-create-doc-body-adscim-urn POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-@R@","displayName":"Engineering @R@","meta":{"resourceType":"Group"}}'
V[G1]=$(jget id)
req group-create-adscim-urn-short POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],"displayName":"ADSCIM short @R@"}'
req group-create-members-empty-array POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"g2-@R@","displayName":"Sales @R@","members":[],"meta":{"resourceType":"Group"}}'
V[G2]=$(jget id)
req group-create-requires-displayName POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"g3-@R@"}'
req group-create-duplicate-displayName POST /Groups '{"displayName":"Engineering @R@","externalId":"087af0b9-@R@","schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}'
V[GDUP]=$(jget id)
req group-filter-displayName-eq GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales+@R@%22"
req group-filter-displayName-case GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22SALES+@R@%22"
req group-patch-add-member-legacy PATCH "/Groups/@G2@" "$P"'[{"op":"Add","path":"members","value":[{"$ref":null,"value":"@ALICE@"}]}]}'
get group-patch-add-member-legacy "/Groups/@G2@"
req group-get-excludedAttributes-members GET "/Groups/@G2@?excludedAttributes=members"
req group-list-excludedAttributes-members GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales+@R@%22"
req group-list-with-members GET "/Groups?filter=displayName+eq+%22Sales+@R@%22"
req group-patch-add-member-compliant-batch PATCH "/Groups/@G2@" "$P"'[{"op":"add","path":"members","value":[{"value":"@MIN@"},{"value":"@NOEMAIL@"}]}]}'
get group-patch-add-member-compliant-batch "/Groups/@G2@?attributes=members"
req group-patch-add-member-twice PATCH "/Groups/@G2@" "$P"'[{"op":"Add","path":"members","value":[{"value":"@ALICE@"}]}]}'
get group-patch-add-member-twice "/Groups/@G2@?attributes=members"
req group-patch-remove-member-legacy PATCH "/Groups/@G2@" "$P"'[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"@ALICE@"}]}]}'
get group-patch-remove-member-legacy "/Groups/@G2@?attributes=members"
req group-patch-remove-member-legacy-no-ref PATCH "/Groups/@G2@" "$P"'[{"op":"Remove","path":"members","value":[{"value":"@NOEMAIL@"}]}]}'
get group-patch-remove-member-legacy-no-ref "/Groups/@G2@?attributes=members"
req group-patch-remove-member-absent PATCH "/Groups/@G2@" "$P"'[{"op":"Remove","path":"members","value":[{"value":"@ALICE@"}]}]}'
req group-patch-add-unknown-member-id PATCH "/Groups/@G2@" "$P"'[{"op":"Add","path":"members","value":[{"value":"no-such-user-@R@"}]}]}'
req group-patch-remove-member-compliant PATCH "/Groups/@G2@" "$P"'[{"op":"remove","path":"members[value eq \"no-such-user-@R@\"]"}]}'
get group-patch-remove-member-compliant "/Groups/@G2@?attributes=members"
req group-patch-remove-last-member PATCH "/Groups/@G2@" "$P"'[{"op":"remove","path":"members[value eq \"@MIN@\"]"}]}'
get group-patch-remove-last-member "/Groups/@G2@"
req group-patch-remove-member-compliant-absent PATCH "/Groups/@G2@" "$P"'[{"op":"remove","path":"members[value eq \"@MIN@\"]"}]}'
req group-patch-validator-replace-members PATCH "/Groups/@G2@" "$P"'[{"op":"replace","path":"members","value":[{"value":"@ALICE@"}]}]}'
get group-patch-validator-replace-members "/Groups/@G2@?attributes=members"
req group-patch-validator-add-remove-same PATCH "/Groups/@G2@" "$P"'[{"op":"add","path":"members","value":[{"value":"@MIN@"}]},{"op":"remove","path":"members[value eq \"@MIN@\"]"}]}'
get group-patch-validator-add-remove-same "/Groups/@G2@?attributes=members"
req group-patch-add-member-no-members-attr PATCH "/Groups/@G1@" "$P"'[{"op":"Add","path":"members","value":[{"value":"@BOB@"}]}]}'
get group-patch-add-member-no-members-attr "/Groups/@G1@?attributes=members"
req group-patch-replace-displayName-legacy PATCH "/Groups/@G1@" "$P"'[{"op":"Replace","path":"displayName","value":"Engineering renamed @R@"}]}'
get group-patch-replace-displayName-legacy "/Groups/@G1@"
req group-patch-pathless-displayName PATCH "/Groups/@G1@" "$P"'[{"op":"replace","value":{"displayName":"Engineering @R@"}}]}'
get group-patch-pathless-displayName "/Groups/@G1@?attributes=displayName"
req group-patch-pathless-externalId PATCH "/Groups/@G1@" "$P"'[{"op":"replace","value":{"externalId":"663fa3a8-@R@"}}]}'
req user-delete-leaves-group-member DELETE "/Users/@ALICE@"
get user-delete-leaves-group-member "/Groups/@G2@?attributes=members"
req group-delete DELETE "/Groups/@G2@"
req group-get-after-delete GET "/Groups/@G2@"
req group-delete-twice DELETE "/Groups/@G2@"
req group-delete-unknown DELETE "/Groups/00000000-0000-0000-0000-000000000000"
req group-patch-unknown-id PATCH "/Groups/00000000-0000-0000-0000-000000000000" "$P"'[{"op":"Add","path":"members","value":[{"value":"@MIN@"}]}]}'

# ---------------------------------------------------------------- 10. Discovery
req discovery-service-provider-config GET /ServiceProviderConfig
req discovery-resource-types GET /ResourceTypes
req discovery-schemas GET /Schemas
req discovery-schema-user-by-id GET /Schemas/urn:ietf:params:scim:schemas:core:2.0:User

# ---------------------------------------------------------------- 11. Pagination
req pagination-startIndex1-count1 GET "/Users?startIndex=1&count=1"
req pagination-count0 GET "/Users?count=0"
req pagination-startIndex2-count2 GET "/Users?startIndex=2&count=2&attributes=userName"
req pagination-startIndex-beyond-total GET "/Users?startIndex=1000&count=2&attributes=userName"
req pagination-no-params GET "/Users?attributes=userName"

# ---------------------------------------------------------------- 12. Other
req unknown-endpoint GET /Foo
req me-endpoint GET /Me
req bulk-endpoint POST /Bulk '{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}'

# ---------------------------------------------------------------- 14. Issue 17: request shapes of the new trials
# The harness's main create body for --vendor entra-default (fixtures/vendors/entra-default.toml filled
# from fixtures/entra-source.toml): every attribute of Entra's default mapping, manager left out.
# main_body NAME [PRIMARY]: user NAME's body, its work email primary PRIMARY (default true).
main_body() {
  printf '%s' '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","@EXT@"],"userName":"'"$1"'-Ada.Lovelace@example.com","active":true,"displayName":"Ada Lovelace","title":"Analyst","emails":[{"type":"work","primary":'"${2:-true}"',"value":"'"$1"'-ada@example.com"}],"preferredLanguage":"en-GB","name":{"givenName":"Ada","familyName":"Lovelace","formatted":"Ada Lovelace"},"addresses":[{"type":"work","formatted":"Marylebone","streetAddress":"12 St James Square","locality":"London","region":"Greater London","postalCode":"SW1Y 4JH","country":"GB"}],"phoneNumbers":[{"type":"work","value":"+44 20 7946 0000"},{"type":"mobile","value":"+44 7700 900000"},{"type":"fax","value":"+44 20 7946 0001"}],"externalId":"'"$1"'-ada","@EXT@":{"employeeNumber":"E-'"$1"'","department":"Analytical Engines"},"meta":{"resourceType":"User"}}'
}
# group_body NAME: the compliant group create (core URN only).
group_body() {
  printf '%s' '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"'"$1"'","externalId":"ext-'"$1"'","meta":{"resourceType":"Group"}}'
}
# Test Connection with no SCIM Accept header (connection::users-probe / groups-probe send none).
req testconn-users-filter-guid-accept-any GET "/Users?filter=userName+eq+%22$GUID%22" "" -H "Accept: */*"
req testconn-groups-filter-guid-no-accept-header GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22$GUID%22" "" -H "Accept:"
# A change of only name.givenName (users::given-name-only).
req i17-given-setup POST /Users "$(main_body "i17g-@R@")"
V[UG]=$(jget id)
req patch-legacy-givenName-only PATCH "/Users/@UG@" "$P"'[{"op":"Replace","path":"name.givenName","value":"Grace"}]}'
get patch-legacy-givenName-only "/Users/@UG@?attributes=name"
req patch-compliant-pathless-givenName-only PATCH "/Users/@UG@" "$P"'[{"op":"replace","value":{"name.givenName":"Grace2"}}]}'
get patch-compliant-pathless-givenName-only "/Users/@UG@?attributes=name"
# Updates of a disabled user (users::update-disabled); the legacy "False" is refused, so the user is disabled with a boolean first.
req i17-disabled-setup POST /Users "$(main_body "i17d-@R@")"
V[UD]=$(jget id)
req patch-disabled-user-setup-legacy-string PATCH "/Users/@UD@" "$P"'[{"op":"Replace","path":"active","value":"False"}]}'
req patch-disabled-user-setup-boolean PATCH "/Users/@UD@" "$P"'[{"op":"Replace","path":"active","value":false}]}'
req patch-disabled-user-update-legacy PATCH "/Users/@UD@" "$P"'[{"op":"Replace","path":"displayName","value":"Disabled Countess L"}]}'
get patch-disabled-user-update-legacy "/Users/@UD@?attributes=displayName,active"
req patch-disabled-user-update-compliant PATCH "/Users/@UD@" "$P"'[{"op":"replace","value":{"displayName":"Disabled Countess C"}}]}'
get patch-disabled-user-update-compliant "/Users/@UD@?attributes=displayName,active"
# The AZ-COMPAT-2020 compliant PATCH: work email value and primary by filtered paths, active false and displayName path-less
# (users::disable-with-attributes), on a user whose work email is not primary yet.
req i17-leaver-setup-primary-false POST /Users "$(main_body "i17w-@R@" false)"
V[UW]=$(jget id)
req patch-compliant-disable-with-attributes PATCH "/Users/@UW@" "$P"'[{"op":"replace","path":"emails[type eq \"work\"].value","value":"i17w-@R@-disabled@example.com"},{"op":"replace","path":"emails[type eq \"work\"].primary","value":true},{"op":"replace","value":{"active":false,"displayName":"i17w Leaver"}}]}'
get patch-compliant-disable-with-attributes "/Users/@UW@?attributes=displayName,active,emails"
# Microsoft's create samples: the ED-SCIM one (enterprise URN in schemas, no extension data, "roles": [];
# users::create-documented-sample) and the validator's role with "primary": "True" (gallery::create-primary-string).
req create-user-documented-sample POST /Users "$(main_body "i17s-@R@" | node -e 'let b=JSON.parse(require("fs").readFileSync(0,"utf8")); delete b["@EXT@"]; b.roles=[]; process.stdout.write(JSON.stringify(b))')"
req create-user-roles-primary-string-True-main-body POST /Users "$(main_body "i17r-@R@" | node -e 'let b=JSON.parse(require("fs").readFileSync(0,"utf8")); b.roles=[{primary:"True",display:"Reader",value:"Reader",type:"WindowsAzureActiveDirectoryRole"}]; process.stdout.write(JSON.stringify(b))')"
# The 2017 manager sample with a relative $ref (enterprise::manager-array-2017).
req i17-manager-setup POST /Users "$(main_body "i17m-@R@")"
V[UM]=$(jget id)
req i17-report-setup POST /Users "$(main_body "i17p-@R@")"
V[UP]=$(jget id)
req manager-legacy-2017-array-relative-ref PATCH "/Users/@UP@" "$P"'[{"op":"Add","path":"manager","value":[{"$ref":"Users/@UM@","value":"@UM@"}]}]}'
get manager-legacy-2017-array-relative-ref "/Users/@UP@?attributes=$EXT:manager"
# A deleted group and its filter, the same group created again (groups::delete-unmatched, recreate-after-delete).
req group-delete-setup POST /Groups "$(group_body "i17-@R@-Deleted")"
V[GD]=$(jget id)
req group-delete-filter-before GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22i17-@R@-Deleted%22"
req group-delete-then-filter.delete DELETE "/Groups/@GD@"
req group-delete-then-filter GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22i17-@R@-Deleted%22"
req group-recreate-after-delete.readback GET "/Groups/@GD@"
req group-recreate-after-delete POST /Groups "$(group_body "i17-@R@-Deleted")"
req group-recreate-after-delete-legacy-adscim POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"i17-@R@-Deleted-L","externalId":"ext-i17-@R@-Deleted-L","meta":{"resourceType":"Group"}}'
V[GDL]=$(jget id)
req group-recreate-after-delete-legacy-adscim.delete DELETE "/Groups/@GDL@"
req group-recreate-after-delete-legacy-adscim.again POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"i17-@R@-Deleted-L","externalId":"ext-i17-@R@-Deleted-L","meta":{"resourceType":"Group"}}'
# A group name with parentheses (groups::name-with-parentheses), its filter percent-encoded and raw.
req group-create-displayName-parentheses POST /Groups "$(group_body "i17-@R@-LACreateGroup-(Sales)")"
req group-filter-displayName-parentheses GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22i17-@R@-LACreateGroup-%28Sales%29%22"
req group-filter-displayName-parentheses-raw GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22i17-@R@-LACreateGroup-(Sales)%22"
# A rename and a member add in one PATCH (groups::rename-and-add-member), Entra's legacy batch add
# (groups::on-demand), and a member of two groups removed from one (groups::two-groups, each dialect).
req i17-member1 POST /Users "$(main_body "i17m1-@R@")"
V[N1]=$(jget id)
req i17-member2 POST /Users "$(main_body "i17m2-@R@")"
V[N2]=$(jget id)
req i17-member3 POST /Users "$(main_body "i17m3-@R@")"
V[N3]=$(jget id)
req group-rename-and-add-setup-legacy POST /Groups "$(group_body "i17-@R@-RA-legacy")"
V[GRA]=$(jget id)
req group-rename-and-add-member-legacy PATCH "/Groups/@GRA@" "$P"'[{"op":"Replace","path":"displayName","value":"i17-@R@-Renamed-With-Member-L"},{"op":"Add","path":"members","value":[{"$ref":null,"value":"@N1@"}]}]}'
get group-rename-and-add-member-legacy "/Groups/@GRA@"
req group-rename-and-add-setup-compliant POST /Groups "$(group_body "i17-@R@-RA-compliant")"
V[GRC]=$(jget id)
req group-rename-and-add-member-compliant PATCH "/Groups/@GRC@" "$P"'[{"op":"replace","value":{"displayName":"i17-@R@-Renamed-With-Member-C"}},{"op":"add","path":"members","value":[{"value":"@N1@"}]}]}'
get group-rename-and-add-member-compliant "/Groups/@GRC@"
req group-member-add-legacy-batch-setup POST /Groups "$(group_body "i17-@R@-OnDemand")"
V[GOD]=$(jget id)
req group-member-add-legacy-batch-ref-null PATCH "/Groups/@GOD@" "$P"'[{"op":"Add","path":"members","value":[{"$ref":null,"value":"@N1@"},{"$ref":null,"value":"@N2@"},{"$ref":null,"value":"@N3@"}]}]}'
get group-member-add-legacy-batch-ref-null "/Groups/@GOD@?attributes=members"
for d in legacy compliant; do
  req "group-two-groups-$d.setup-first" POST /Groups "$(group_body "i17-@R@-Two-A-$d")"
  V[GA]=$(jget id)
  req "group-two-groups-$d.setup-second" POST /Groups "$(group_body "i17-@R@-Two-B-$d")"
  V[GB]=$(jget id)
  req "group-two-groups-$d.add-first" PATCH "/Groups/@GA@" "$P"'[{"op":"add","path":"members","value":[{"value":"@N2@"}]}]}'
  req "group-two-groups-$d.add-second" PATCH "/Groups/@GB@" "$P"'[{"op":"add","path":"members","value":[{"value":"@N2@"}]}]}'
  if [[ $d == legacy ]]; then
    req group-two-groups-remove-legacy PATCH "/Groups/@GA@" "$P"'[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"@N2@"}]}]}'
  else
    req group-two-groups-remove-compliant PATCH "/Groups/@GA@" "$P"'[{"op":"remove","path":"members[value eq \"@N2@\"]"}]}'
  fi
  get "group-two-groups-remove-$d.first" "/Groups/@GA@"
  req "group-two-groups-remove-$d.first-by-filter" GET "/Groups?excludedAttributes=members&filter=id+eq+%22@GA@%22+and+members%5Bvalue+eq+%22@N2@%22%5D"
  get "group-two-groups-remove-$d.second" "/Groups/@GB@?attributes=members"
done
