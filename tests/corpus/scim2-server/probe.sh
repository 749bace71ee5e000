#!/usr/bin/env bash
# probe.sh STATE_DIR
# Replay, against a server started by start.sh STATE_DIR, every probe behind
# GROUND_TRUTH.md, the way Microsoft Entra's provisioning service would send
# it. Prints, as Markdown, for each probe: its id, the request (method,
# path+query, headers that matter, body) and the answer (status, the headers
# that matter, body). Ids in the output match the behaviour ids of
# GROUND_TRUTH.md (read-backs are suffixed `.get`).
#
# Every curl is bounded (--max-time 5). The script never fails on a probe's
# answer; it exits non-zero only when the server cannot be reached at all.
# Resource names carry a random run tag, so the script can be replayed
# against the same running server. Needs bash, curl and python3.
set -uo pipefail
state=${1:?usage: probe.sh STATE_DIR}
U=$(cat "$state/url")
T=$(cat "$state/token")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
R=$(python3 -c 'import secrets; print(secrets.token_hex(3))')
SCIM_CT='application/scim+json; charset=utf-8'
CORE='urn:ietf:params:scim:schemas:core:2.0:User'
ENT='urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
GRP='urn:ietf:params:scim:schemas:core:2.0:Group'
PATCHOP='urn:ietf:params:scim:api:messages:2.0:PatchOp'
MAXBODY=${MAXBODY:-1800}   # characters of a response body printed (0: all)

guid() { python3 -c 'import uuid; print(uuid.uuid4())'; }

# Pretty-print (compact) the JSON body of the last answer, cut at MAXBODY.
show_body() {
  python3 - "$tmp/body" "$MAXBODY" "${SUMMARY:-}" <<'PY'
import json, sys
path, maxbody, summary = sys.argv[1], int(sys.argv[2]), sys.argv[3]
raw = open(path, "rb").read()
if not raw:
    print("< (empty body)")
    sys.exit()
try:
    data = json.loads(raw)
except ValueError:
    text = raw.decode("utf-8", "replace")
else:
    if summary:
        data = eval(summary, {"d": data})
    text = json.dumps(data, ensure_ascii=False)
if maxbody and len(text) > maxbody:
    text = text[:maxbody] + f" …[{len(text) - maxbody} more chars]"
print("< " + text)
PY
}

# probe ID METHOD PATH [BODY]
# Environment knobs, for one call: AUTH (Authorization header value, "none"
# for no header; default "Bearer <token>"), ACCEPT (Accept header; default
# curl's own `Accept: */*`, as Entra's GETs; "none" sends no Accept header at all), CT (Content-Type of a body; default
# "application/scim+json; charset=utf-8"), IFMATCH (If-Match header),
# SUMMARY (a Python expression over the JSON body `d` printed instead of it).
probe() {
  local id=$1 method=$2 path=$3 body=${4-}
  local auth=${AUTH-Bearer $T}
  local -a args=(-s -g --max-time 5 -X "$method" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}')
  echo "### $id"
  echo '```'
  echo "> $method $path"
  if [[ $auth != none ]]; then
    args+=(-H "Authorization: $auth")
    [[ $auth == "Bearer $T" ]] || echo "> Authorization: $auth"
  else
    echo "> (no Authorization header)"
  fi
  if [[ ${ACCEPT-} == none ]]; then
    args+=(-H "Accept:")
    echo "> (no Accept header at all)"
  elif [[ -n ${ACCEPT-} ]]; then
    args+=(-H "Accept: $ACCEPT")
    echo "> Accept: $ACCEPT"
  fi
  if [[ -n ${IFMATCH-} ]]; then
    args+=(-H "If-Match: $IFMATCH")
    echo "> If-Match: $IFMATCH"
  fi
  if [[ -n $body ]]; then
    local ct=${CT-$SCIM_CT}
    args+=(-H "Content-Type: $ct" --data-binary "$body")
    [[ $ct == "$SCIM_CT" ]] || echo "> Content-Type: $ct"
    echo "> $body"
  fi
  : >"$tmp/body"
  : >"$tmp/headers"
  CODE=$(curl "${args[@]}" "$U$path" 2>/dev/null) || true
  [[ -n $CODE ]] || CODE=000
  if [[ -s $tmp/headers ]]; then
    echo "< $(head -n1 "$tmp/headers" | tr -d '\r')"
  else
    echo "< (no HTTP answer: curl status $CODE)"
  fi
  grep -iE '^(content-type|location|etag|www-authenticate|allow):' "$tmp/headers" | tr -d '\r' | sed 's/^/< /'
  show_body
  echo '```'
  echo
}

# jv EXPR: evaluate a Python expression over the JSON body `d` of the last answer.
jv() {
  python3 - "$tmp/body" "$1" <<'PY' 2>/dev/null
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
except Exception:
    v = ""
print("" if v is None else v)
PY
}

# enc TEXT: percent-encode TEXT for a query string as Entra does (space as +).
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]))' "$1"; }

# filt ATTR VALUE: the query `filter=ATTR+eq+%22VALUE%22`, form-encoded.
filt() { echo "filter=$(enc "$1 eq \"$2\"")"; }

# user_body USERNAME EXTERNALID: Entra's default create body.
user_body() {
  cat <<EOF
{"schemas":["$CORE","$ENT"],"externalId":"$2","userName":"$1","active":true,"displayName":"Dana Default","title":"Engineer","emails":[{"primary":true,"type":"work","value":"$1"}],"meta":{"resourceType":"User"},"name":{"formatted":"Dana Default","familyName":"Default","givenName":"Dana"},"roles":[],"$ENT":{"department":"R&D","employeeNumber":"E-$2"}}
EOF
}
min_body() { echo "{\"schemas\":[\"$CORE\"],\"userName\":\"$1\",\"active\":true}"; }
mk_user() { # mk_user ID USERNAME [BODY] -> sets NEW_ID
  probe "$1" POST /Users "${3:-$(min_body "$2")}"
  NEW_ID=$(jv "d['id']")
}
patch_body() { echo "{\"schemas\":[\"$PATCHOP\"],\"Operations\":[$1]}"; }

if ! curl -s -o /dev/null --max-time 5 "$U/ServiceProviderConfig"; then
  echo "probe.sh: no server answers at $U" >&2
  exit 1
fi

echo "# scim2-server probes"
echo
echo "Base URL: \`$U\` (printed paths are relative to it). Run tag: \`$R\`."
echo "Every request carries \`Authorization: Bearer <token>\` unless shown otherwise;"
echo "bodies carry \`Content-Type: $SCIM_CT\` unless shown otherwise."
echo

###########################################################################
echo "## Discovery"
echo
AUTH=none probe spc-no-token GET /ServiceProviderConfig
probe discovery-service-provider-config GET /ServiceProviderConfig
SUMMARY='{k: d[k] for k in ("totalResults",)} | {"schemas": [{"id": s["id"], "attributes": [a["name"] for a in s["attributes"]]} for s in d["Resources"]]}' \
  probe discovery-schemas GET /Schemas
SUMMARY='[{"id": s["id"], "name": a["name"], "required": a.get("required"), "caseExact": a.get("caseExact"), "uniqueness": a.get("uniqueness"), "sub": [x["name"] for x in a.get("subAttributes", [])]} for s in d["Resources"] for a in s["attributes"] if a["name"] in ("userName", "displayName", "manager", "members", "roles", "emails", "active")]' \
  probe discovery-schemas-detail GET /Schemas
probe discovery-resource-types GET /ResourceTypes
probe discovery-schema-by-id GET "/Schemas/$ENT"

###########################################################################
echo "## Test Connection and authentication"
echo
G=$(guid)
probe tc-users-filter-random-guid GET "/Users?$(filt userName "$G")"
ACCEPT=application/scim+json probe tc-users-filter-accept-scim GET "/Users?$(filt userName "$G")"
ACCEPT='text/html' probe tc-users-filter-accept-html GET "/Users?$(filt userName "$G")"
probe tc-groups-filter-random-guid GET "/Groups?excludedAttributes=members&$(filt displayName "$G")"
probe tc-groups-filter-plain GET "/Groups?$(filt displayName "$G")"
probe tc-users-filter-externalId-random-guid GET "/Users?$(filt externalId "$G")"
probe tc-users-flag-query-param GET "/Users?aadOptscim062020&$(filt userName "$G")"
probe tc-credentials-startIndex-count GET "/Users?startIndex=1&count=1"
AUTH=none probe auth-no-token GET "/Users?$(filt userName "$G")"
AUTH='Bearer wrong-token' probe auth-wrong-token GET "/Users?$(filt userName "$G")"
AUTH="bearer $T" probe auth-lowercase-scheme GET "/Users?$(filt userName "$G")"
AUTH='Basic dXNlcjpwYXNz' probe auth-basic-scheme GET "/Users?$(filt userName "$G")"
AUTH=none probe auth-no-token-groups GET "/Groups?$(filt displayName "$G")"
# The /v2 prefix is optional: the same server answers at the root.
ROOT=${U%/v2}
echo "### url-prefix-optional"
echo '```'
echo "> GET $ROOT/Users?$(filt userName "$G")   (absolute URL, without /v2)"
echo "< $(curl -s -g --max-time 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T" "$ROOT/Users?$(filt userName "$G")")"
echo '```'
echo

###########################################################################
echo "## Create users"
echo
UN1="dana.default.$R@contoso.com"
mk_user create-user-entra-default "$UN1" "$(user_body "$UN1" "ext-dana-$R")"
U1=$NEW_ID
probe create-user-entra-default.get GET "/Users/$U1"
mk_user create-user-minimal "min.$R@contoso.com"
UMIN=$NEW_ID
probe create-user-no-name POST /Users "{\"schemas\":[\"$CORE\",\"$ENT\"],\"externalId\":\"ext-noname-$R\",\"userName\":\"noname.$R@contoso.com\",\"active\":true,\"displayName\":\"No Name\",\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":\"noname.$R@contoso.com\"}]}"
probe create-user-no-emails POST /Users "{\"schemas\":[\"$CORE\"],\"externalId\":\"ext-noemail-$R\",\"userName\":\"noemail.$R@contoso.com\",\"active\":true,\"name\":{\"givenName\":\"No\",\"familyName\":\"Email\"}}"
probe create-user-no-externalId POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"noext.$R@contoso.com\",\"active\":true,\"name\":{\"givenName\":\"No\",\"familyName\":\"Ext\"},\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":\"noext.$R@contoso.com\"}]}"
probe create-user-no-userName POST /Users "{\"schemas\":[\"$CORE\"],\"externalId\":\"ext-nouser-$R\",\"active\":true}"
probe create-user-active-string-True POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"activestr.$R@contoso.com\",\"active\":\"True\"}"
CT=application/json probe create-user-content-type-json POST /Users "$(min_body "ctjson.$R@contoso.com")"
probe create-user-schemas-core-only-with-enterprise POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"entnoschema.$R@contoso.com\",\"active\":true,\"$ENT\":{\"department\":\"Sales\"}}"
probe create-user-custom-extension-attribute POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"custom.$R@contoso.com\",\"active\":true,\"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute\":\"x\"}"
probe create-user-unknown-core-attribute POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"unknown.$R@contoso.com\",\"active\":true,\"badgeCode\":\"x\"}"
probe create-user-email-not-an-address POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"bademail.$R\",\"active\":true,\"emails\":[{\"type\":\"work\",\"value\":\"not-an-address\",\"primary\":true}]}"
UNMIX="Mixed.Case.$R@Contoso.COM"
mk_user create-user-case-preserved "$UNMIX"
probe create-user-case-preserved.get GET "/Users/$NEW_ID"
probe create-user-dup-userName POST /Users "$(min_body "$UN1")"
probe create-user-dup-userName-case-only POST /Users "$(min_body "${UN1^^}")"
probe create-user-dup-externalId POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"dupext.$R@contoso.com\",\"externalId\":\"ext-dana-$R\",\"active\":true}"
# The Microsoft SCIM Validator's full create body (entra-protocol.md §8.3), with this run's names.
probe create-user-validator-body POST /Users "{\"userName\":\"validator.$R@ondricka.us\",\"active\":true,\"displayName\":\"NDSQQTECVAAC\",\"title\":\"CJSGUNOAAMMQ\",\"emails\":[{\"type\":\"work\",\"value\":\"thaddeus.$R@hammes.info\",\"primary\":true}],\"preferredLanguage\":\"hi\",\"name\":{\"givenName\":\"Elfrieda\",\"familyName\":\"Urban\",\"formatted\":\"Myah\",\"middleName\":\"Cindy\",\"honorificPrefix\":\"Minerva\",\"honorificSuffix\":\"Micaela\"},\"addresses\":[{\"type\":\"work\",\"formatted\":\"ZQEHBLETAAQE\",\"streetAddress\":\"25928 Katlyn Row\",\"locality\":\"YRAKBQCGOHZF\",\"region\":\"XCCVLAIDMQYR\",\"postalCode\":\"cx47 4mz\",\"primary\":true,\"country\":\"Sierra Leone\"}],\"phoneNumbers\":[{\"type\":\"work\",\"value\":\"10-040-1308\",\"primary\":true},{\"type\":\"mobile\",\"value\":\"10-040-1308\"},{\"type\":\"fax\",\"value\":\"10-040-1308\"}],\"$ENT\":{\"employeeNumber\":\"OXYYEGWVLTGW\",\"department\":\"ZYWTBPDFHIIP\",\"costCenter\":\"ASHTVSKANCGL\",\"organization\":\"DPQRRHJMBXZE\",\"division\":\"WXNFEJQDRAVI\",\"manager\":{\"value\":\"XYMKVVRYDIOO\"}},\"roles\":[{\"primary\":\"True\",\"display\":\"MRONYWGFFHXQ\",\"value\":\"WDEIISGWWQBE\",\"type\":\"XVTUOHMYUFRL\"}],\"userType\":\"GZILLRZCFPNC\",\"nickName\":\"FOGSIQTKHIPG\",\"locale\":\"RJWNTUNNOHNZ\",\"timezone\":\"America/Guayaquil\",\"profileUrl\":\"BAPNQLJSRQGD\",\"schemas\":[\"$CORE\",\"$ENT\"]}"

###########################################################################
echo "## Filters"
echo
mk_user filter-setup-alice "alice.$R" "{\"schemas\":[\"$CORE\"],\"userName\":\"alice.$R\",\"externalId\":\"Ext-Alice-$R\",\"displayName\":\"Alice $R\",\"active\":true,\"emails\":[{\"type\":\"work\",\"primary\":true,\"value\":\"alice.$R@contoso.com\"}]}"
UALICE=$NEW_ID
mk_user filter-setup-alice2 "alice.${R}2"
mk_user filter-setup-xalice "xalice.$R"
probe filter-userName-eq-exact GET "/Users?$(filt userName "alice.$R")"
probe filter-userName-eq-case-insensitive GET "/Users?$(filt userName "ALICE.${R^^}")"
probe filter-userName-eq-at-sign GET "/Users?$(filt userName "$UN1")"
probe filter-externalId-eq GET "/Users?$(filt externalId "Ext-Alice-$R")"
probe filter-externalId-eq-other-case GET "/Users?$(filt externalId "ext-alice-$R")"
probe filter-displayName-eq-users GET "/Users?$(filt displayName "Alice $R")"
probe filter-emails-work-value GET "/Users?$(filt 'emails[type eq "work"].value' "alice.$R@contoso.com")"
probe filter-and-active GET "/Users?filter=$(enc "userName eq \"alice.$R\" and active eq true")"
probe filter-literal-quotes GET "/Users?filter=userName+eq+\"alice.$R\""
mk_user filter-setup-apostrophe "o'neil.$R@contoso.com"
probe filter-value-apostrophe GET "/Users?$(filt userName "o'neil.$R@contoso.com")"
mk_user filter-setup-plus "a+b.$R@contoso.com"
probe filter-value-plus GET "/Users?$(filt userName "a+b.$R@contoso.com")"
mk_user filter-setup-non-ascii "jösé.$R@contoso.com"
probe filter-value-non-ascii GET "/Users?$(filt userName "jösé.$R@contoso.com")"
probe filter-value-non-ascii-nfd GET "/Users?$(filt userName "$(python3 -c 'import sys,unicodedata; print(unicodedata.normalize("NFD", sys.argv[1]))' "jösé.$R@contoso.com")")"
probe filter-attribute-name-case GET "/Users?$(filt username "alice.$R")"
probe filter-unknown-attribute GET "/Users?$(filt badgeCode "x")"
probe filter-malformed GET "/Users?filter=$(enc 'userName eq')"
probe filter-unquoted-legacy GET "/Users?filter=$(enc "externalId eq Ext-Alice-$R")"
probe filter-id-and-manager-attributes-id GET "/Users?filter=$(enc "id eq \"$UALICE\" and manager eq \"$U1\"")&attributes=id"

###########################################################################
echo "## Read and pagination"
echo
probe get-user-by-id GET "/Users/$UALICE"
probe get-user-unknown-id GET "/Users/$(guid)"
SUMMARY='{k: d.get(k) for k in ("totalResults", "startIndex", "itemsPerPage")} | {"len(Resources)": len(d.get("Resources", []))}' \
  probe page-startIndex-1-count-1 GET "/Users?startIndex=1&count=1"
SUMMARY='{k: d.get(k) for k in ("totalResults", "startIndex", "itemsPerPage")} | {"len(Resources)": len(d.get("Resources", []))}' \
  probe page-count-0 GET "/Users?count=0"
SUMMARY='{k: d.get(k) for k in ("totalResults", "startIndex", "itemsPerPage")} | {"len(Resources)": len(d.get("Resources", []))}' \
  probe page-startIndex-3-count-5 GET "/Users?startIndex=3&count=5"
SUMMARY='{k: d.get(k) for k in ("totalResults", "startIndex", "itemsPerPage")} | {"len(Resources)": len(d.get("Resources", []))}' \
  probe page-no-parameters GET "/Users"
SUMMARY='{k: d.get(k) for k in ("totalResults", "startIndex", "itemsPerPage")} | {"len(Resources)": len(d.get("Resources", []))}' \
  probe page-startIndex-0 GET "/Users?startIndex=0&count=2"

###########################################################################
echo "## PATCH users"
echo
UNP="patch.$R@contoso.com"
mk_user patch-setup "$UNP" "$(user_body "$UNP" "ext-patch-$R")"
UP=$NEW_ID
SHOW='{k: d.get(k) for k in ("userName", "externalId", "active", "displayName", "title", "nickName", "name", "emails", "phoneNumbers", "addresses", "roles", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User") if k in d}'
readback() { SUMMARY=$SHOW probe "$1.get" GET "/Users/$2"; }

probe patch-legacy-active-False-string PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
readback patch-legacy-active-False-string "$UP"
SUMMARY='[{k: u.get(k) for k in ("id", "userName", "active")} for u in d["Resources"]]' \
  probe patch-disabled-user-still-filterable GET "/Users?$(filt userName "$UNP")"
probe patch-legacy-active-True-string PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"active","value":"True"}')"
readback patch-legacy-active-True-string "$UP"
probe patch-compliant-active-false PATCH "/Users/$UP" "$(patch_body '{"op":"replace","path":"active","value":false}')"
readback patch-compliant-active-false "$UP"
probe patch-compliant-active-true PATCH "/Users/$UP" "$(patch_body '{"op":"replace","path":"active","value":true}')"
readback patch-compliant-active-true "$UP"
probe patch-active-lowercase-false-string PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"active","value":"false"}')"
readback patch-active-lowercase-false-string "$UP"
probe patch-pathless-active PATCH "/Users/$UP" "$(patch_body '{"op":"replace","value":{"active":true}}')"
readback patch-pathless-active "$UP"
probe patch-doc-Replace-boolean-operations-first PATCH "/Users/$UP" "{\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":false}],\"schemas\":[\"$PATCHOP\"]}"
readback patch-doc-Replace-boolean-operations-first "$UP"
probe patch-active-empty-string PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"active","value":""}')"
readback patch-active-empty-string "$UP"
probe patch-reenable PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"active","value":"True"}')"
probe patch-path-attribute-name-case PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"DisplayName","value":"CaseDisplay"}')"
readback patch-path-attribute-name-case "$UP"

probe patch-legacy-replace-multi PATCH "/Users/$UP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"Pvlo\"},{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"TestBcwqnm.$R@test.microsoft.com\"},{\"op\":\"Replace\",\"path\":\"name.givenName\",\"value\":\"Gtfd\"},{\"op\":\"Replace\",\"path\":\"name.familyName\",\"value\":\"Pkqf\"},{\"op\":\"Replace\",\"path\":\"externalId\",\"value\":\"Eqpj-$R\"},{\"op\":\"Replace\",\"path\":\"$ENT:employeeNumber\",\"value\":\"Eqpj\"}")"
readback patch-legacy-replace-multi "$UP"
probe patch-compliant-replace-multi PATCH "/Users/$UP" "$(patch_body "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"TestMhvaes.$R@test.microsoft.com\"},{\"op\":\"replace\",\"value\":{\"displayName\":\"Bjfe\",\"name.givenName\":\"Kkom\",\"name.familyName\":\"Unua\",\"$ENT:employeeNumber\":\"Aklq\"}}")"
readback patch-compliant-replace-multi "$UP"
probe patch-pathless-nested-object PATCH "/Users/$UP" "$(patch_body '{"op":"replace","value":{"name":{"givenName":"Nested"}}}')"
readback patch-pathless-nested-object "$UP"
probe patch-pathless-urn-object PATCH "/Users/$UP" "$(patch_body "{\"op\":\"replace\",\"value\":{\"$ENT\":{\"department\":\"Ops\"}}}")"
readback patch-pathless-urn-object "$UP"
probe patch-compliant-emails-work-primary PATCH "/Users/$UP" "$(patch_body "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"someone.$R@contoso.com\"},{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].primary\",\"value\":true},{\"op\":\"replace\",\"value\":{\"active\":false,\"userName\":\"someone.$R\"}}")"
readback patch-compliant-emails-work-primary "$UP"
probe patch-legacy-name-givenName PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"name.givenName","value":"Given2"}')"
probe patch-legacy-displayName PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"displayName","value":"Display2"}')"
probe patch-legacy-title PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"title","value":"Title2"}')"
probe patch-legacy-externalId PATCH "/Users/$UP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"externalId\",\"value\":\"ext-patch2-$R\"}")"
probe patch-legacy-userName PATCH "/Users/$UP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"userName\",\"value\":\"patch2.$R@contoso.com\"}")"
readback patch-legacy-several-singles "$UP"
SUMMARY='{"totalResults": d.get("totalResults"), "ids": [u["id"] for u in d.get("Resources", [])]}' \
  probe patch-legacy-userName.filter-new GET "/Users?$(filt userName "patch2.$R@contoso.com")"
probe patch-pathless-userName PATCH "/Users/$UP" "$(patch_body "{\"op\":\"replace\",\"value\":{\"userName\":\"patch3.$R@contoso.com\"}}")"
readback patch-pathless-userName "$UP"
probe patch-userName-to-existing PATCH "/Users/$UP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"userName\",\"value\":\"$UN1\"}")"
probe patch-legacy-add-nickName PATCH "/Users/$UP" "$(patch_body '{"op":"Add","path":"nickName","value":"Babs"}')"
probe patch-compliant-add-department PATCH "/Users/$UP" "$(patch_body "{\"op\":\"add\",\"path\":\"$ENT:department\",\"value\":\"Tech Infrastructure\"}")"
readback patch-add-nickName-department "$UP"
probe patch-legacy-remove-title PATCH "/Users/$UP" "$(patch_body '{"op":"Remove","path":"title"}')"
probe patch-replace-displayName-empty-string PATCH "/Users/$UP" "$(patch_body '{"op":"Replace","path":"displayName","value":""}')"
probe patch-replace-nickName-null PATCH "/Users/$UP" "$(patch_body '{"op":"replace","path":"nickName","value":null}')"
readback patch-remove-and-clear "$UP"
probe patch-validator-multi-ops-different-attrs PATCH "/Users/$UP" "$(patch_body "{\"op\":\"remove\",\"path\":\"preferredLanguage\"},{\"op\":\"add\",\"path\":\"externalId\",\"value\":\"ext-multi-$R\"},{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Multi\"}")"
readback patch-validator-multi-ops-different-attrs "$UP"
probe patch-unknown-attribute-path PATCH "/Users/$UP" "$(patch_body '{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute","value":"x"}')"
probe patch-unknown-op PATCH "/Users/$UP" "$(patch_body '{"op":"Merge","path":"title","value":"x"}')"
probe patch-flag-query-param PATCH "/Users/$UP?aadOptscim062020" "$(patch_body '{"op":"replace","path":"title","value":"Flagged"}')"
probe patch-unknown-id PATCH "/Users/$(guid)" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
IFMATCH='W/"1"' probe patch-stale-if-match PATCH "/Users/$UP" "$(patch_body '{"op":"replace","path":"title","value":"Stale"}')"
readback patch-final "$UP"

echo "Filtered paths on a user that lacks the entry (Entra's mapping creates such entries):"
echo
probe patch-legacy-add-emails-work-value-absent PATCH "/Users/$UMIN" "$(patch_body "{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"min.$R@contoso.com\"}")"
probe patch-legacy-replace-emails-work-value-absent PATCH "/Users/$UMIN" "$(patch_body "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"min.$R@contoso.com\"}")"
probe patch-legacy-add-phone-work-absent PATCH "/Users/$UMIN" "$(patch_body '{"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"555-555-5555"}')"
probe patch-legacy-add-address-work-street-absent PATCH "/Users/$UMIN" "$(patch_body '{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}')"
probe patch-validator-add-emails-work-primary-absent PATCH "/Users/$UMIN" "$(patch_body '{"op":"add","path":"emails[type eq \"work\"].primary","value":true}')"
probe patch-legacy-multi-with-absent-filtered-path PATCH "/Users/$UMIN" "$(patch_body "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"Min Renamed\"},{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"min.$R@contoso.com\"}")"
readback patch-filtered-path-absent "$UMIN"
probe patch-add-emails-whole-array PATCH "/Users/$UMIN" "$(patch_body "{\"op\":\"Add\",\"path\":\"emails\",\"value\":[{\"type\":\"work\",\"value\":\"min.$R@contoso.com\",\"primary\":true}]}")"
probe patch-legacy-replace-emails-work-value-present PATCH "/Users/$UMIN" "$(patch_body "{\"op\":\"Replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"min2.$R@contoso.com\"}")"
readback patch-filtered-path-present "$UMIN"

###########################################################################
echo "## Manager"
echo
mk_user manager-setup-boss "boss.$R@contoso.com"
UBOSS=$NEW_ID
mk_user manager-setup-boss2 "boss2.$R@contoso.com"
UBOSS2=$NEW_ID
mk_user manager-setup-report "report.$R@contoso.com"
UREP=$NEW_ID
MSHOW='d.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")'
mget() { SUMMARY=$MSHOW probe "$1.get" GET "/Users/$UREP"; }
probe manager-legacy-add-bare-string PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Add\",\"path\":\"$ENT:manager\",\"value\":\"$UBOSS\"}")"
mget manager-legacy-add-bare-string
probe manager-compliant-add-bare-string PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"add\",\"path\":\"$ENT:manager\",\"value\":\"$UBOSS\"}")"
mget manager-compliant-add-bare-string
probe manager-bare-string-with-other-ops PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"Report Renamed\"},{\"op\":\"Add\",\"path\":\"$ENT:manager\",\"value\":\"$UBOSS\"}")"
SUMMARY='{k: d.get(k) for k in ("displayName", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")}' \
  probe manager-bare-string-with-other-ops.get GET "/Users/$UREP"
probe manager-add-object PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"add\",\"path\":\"$ENT:manager\",\"value\":{\"value\":\"$UBOSS\"}}")"
mget manager-add-object
probe manager-replace-object PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"replace\",\"path\":\"$ENT:manager\",\"value\":{\"value\":\"$UBOSS2\"}}")"
mget manager-replace-object
probe manager-legacy-replace-bare-string PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"$ENT:manager\",\"value\":\"$UBOSS\"}")"
probe manager-add-value-subpath PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Add\",\"path\":\"$ENT:manager.value\",\"value\":\"$UBOSS\"}")"
mget manager-add-value-subpath
probe manager-clear-replace-empty-string PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Replace\",\"path\":\"$ENT:manager\",\"value\":\"\"}")"
mget manager-clear-replace-empty-string
probe manager-clear-replace-empty-object-value PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"replace\",\"path\":\"$ENT:manager\",\"value\":{\"value\":\"\"}}")"
mget manager-clear-replace-empty-object-value
probe manager-clear-remove PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"remove\",\"path\":\"$ENT:manager\"}")"
mget manager-clear-remove
probe manager-old-doc-array-path-manager PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"Add\",\"path\":\"manager\",\"value\":[{\"\$ref\":\"$U/Users/$UBOSS\",\"value\":\"$UBOSS\"}]}")"
probe manager-create-bare-string POST /Users "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"mgrstr.$R@contoso.com\",\"active\":true,\"$ENT\":{\"manager\":\"$UBOSS\"}}"
mk_user manager-create-object "mgrobj.$R@contoso.com" "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"mgrobj.$R@contoso.com\",\"active\":true,\"$ENT\":{\"manager\":{\"value\":\"$UBOSS\"}}}"
probe manager-create-flat-urn-key POST /Users "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"mgrflat.$R@contoso.com\",\"active\":true,\"$ENT:manager\":\"$UBOSS\"}"
probe manager-add-unknown-id PATCH "/Users/$UREP" "$(patch_body "{\"op\":\"add\",\"path\":\"$ENT:manager\",\"value\":{\"value\":\"XYMKVVRYDIOO\"}}")"
mget manager-add-unknown-id

###########################################################################
echo "## Roles"
echo
RSHOW='d.get("roles")'
mk_user roles-create-single "role1.$R@contoso.com" "{\"schemas\":[\"$CORE\"],\"externalId\":\"role1-$R\",\"userName\":\"role1.$R@contoso.com\",\"active\":true,\"displayName\":\"Role One\",\"meta\":{\"resourceType\":\"User\"},\"roles\":[{\"primary\":true,\"type\":\"WindowsAzureActiveDirectoryRole\",\"value\":\"Admin\"}]}"
UR1=$NEW_ID
probe roles-create-primary-string-True POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"role2.$R@contoso.com\",\"active\":true,\"roles\":[{\"primary\":\"True\",\"type\":\"WindowsAzureActiveDirectoryRole\",\"value\":\"Admin\",\"display\":\"Admin\"}]}"
probe roles-create-complex-displayName-key POST /Users "{\"schemas\":[\"$CORE\"],\"userName\":\"role3.$R@contoso.com\",\"active\":true,\"roles\":[{\"primary\":false,\"type\":\"WindowsAzureActiveDirectoryRole\",\"displayName\":\"Admin\",\"value\":\"Admin\"},{\"primary\":false,\"type\":\"WindowsAzureActiveDirectoryRole\",\"displayName\":\"User\",\"value\":\"User\"}]}"
mk_user roles-create-assertive "role4.$R@contoso.com" "{\"schemas\":[\"$CORE\"],\"userName\":\"role4.$R@contoso.com\",\"active\":true,\"roles\":[{\"primary\":false,\"type\":\"WindowsAzureActiveDirectoryRole\",\"display\":\"User\",\"value\":\"User\"},{\"primary\":false,\"type\":\"WindowsAzureActiveDirectoryRole\",\"display\":\"Test\",\"value\":\"Test\"}]}"
UR4=$NEW_ID
mk_user roles-setup-no-roles "role5.$R@contoso.com"
UR5=$NEW_ID
probe roles-patch-add-object PATCH "/Users/$UR5" "$(patch_body '{"op":"Add","path":"roles","value":[{"value":"Admin","display":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":true}]}')"
SUMMARY=$RSHOW probe roles-patch-add-object.get GET "/Users/$UR5"
probe roles-patch-add-primary-string-True PATCH "/Users/$UR5" "$(patch_body '{"op":"Add","path":"roles","value":[{"value":"Reader","display":"Reader","type":"WindowsAzureActiveDirectoryRole","primary":"True"}]}')"
SUMMARY=$RSHOW probe roles-patch-add-primary-string-True.get GET "/Users/$UR5"
probe roles-patch-legacy-stringified PATCH "/Users/$UR1" "$(patch_body '{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b07648-ecfe-589f-9d2f-6325724a46ee\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}]}')"
SUMMARY=$RSHOW probe roles-patch-legacy-stringified.get GET "/Users/$UR1"
probe roles-patch-replace-assertive PATCH "/Users/$UR4" "$(patch_body '{"op":"replace","path":"roles","value":[{"primary":false,"type":"WindowsAzureActiveDirectoryRole","display":"User","value":"User"}]}')"
SUMMARY=$RSHOW probe roles-patch-replace-assertive.get GET "/Users/$UR4"
mk_user roles-setup-no-roles-2 "role6.$R@contoso.com"
UR6=$NEW_ID
probe roles-patch-filtered-primary-True-absent PATCH "/Users/$UR6" "$(patch_body '{"op":"add","path":"roles[primary eq \"True\"].display","value":"TQBJFQYVJCAG"}')"
probe roles-patch-filtered-primary-true-absent PATCH "/Users/$UR6" "$(patch_body '{"op":"add","path":"roles[primary eq true].value","value":"Admin"}')"
SUMMARY=$RSHOW probe roles-patch-filtered-primary-absent.get GET "/Users/$UR6"
probe roles-patch-filtered-primary-True-present PATCH "/Users/$UR1" "$(patch_body '{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"Owner"}')"
SUMMARY=$RSHOW probe roles-patch-filtered-primary-True-present.get GET "/Users/$UR1"

###########################################################################
echo "## Delete users"
echo
mk_user delete-setup "delete.$R@contoso.com"
UDEL=$NEW_ID
probe delete-user DELETE "/Users/$UDEL"
probe delete-user-get-after GET "/Users/$UDEL"
probe delete-user-twice DELETE "/Users/$UDEL"
probe delete-user-patch-after PATCH "/Users/$UDEL" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
probe delete-user-unknown DELETE "/Users/$(guid)"
probe delete-user-filter-after GET "/Users?$(filt userName "delete.$R@contoso.com")"
mk_user delete-recreate-same-userName "delete.$R@contoso.com"

###########################################################################
echo "## Groups"
echo
GN="Group $R"
probe group-create-core POST /Groups "{\"schemas\":[\"$GRP\"],\"displayName\":\"$GN\",\"externalId\":\"$(guid)\"}"
G1=$(jv "d['id']")
probe group-create-empty-members POST /Groups "{\"schemas\":[\"$GRP\"],\"displayName\":\"$GN empty\",\"externalId\":\"$(guid)\",\"members\":[]}"
probe group-create-adscim-2.0-urn POST /Groups "{\"schemas\":[\"$GRP\",\"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group\"],\"externalId\":\"$(guid)\",\"displayName\":\"$GN adscim2\",\"meta\":{\"resourceType\":\"Group\"}}"
probe group-create-adscim-urn POST /Groups "{\"schemas\":[\"$GRP\",\"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group\"],\"externalId\":\"$(guid)\",\"displayName\":\"$GN adscim\",\"members\":[]}"
probe group-create-meta-resourceType POST /Groups "{\"schemas\":[\"$GRP\"],\"externalId\":\"$(guid)\",\"displayName\":\"$GN meta\",\"meta\":{\"resourceType\":\"Group\"}}"
probe group-create-dup-displayName POST /Groups "{\"schemas\":[\"$GRP\"],\"displayName\":\"$GN\",\"externalId\":\"$(guid)\"}"
probe group-create-no-displayName POST /Groups "{\"schemas\":[\"$GRP\"],\"externalId\":\"$(guid)\"}"
probe group-filter-displayName-eq GET "/Groups?excludedAttributes=members&$(filt displayName "$GN")"
probe group-filter-displayName-case-insensitive GET "/Groups?excludedAttributes=members&$(filt displayName "${GN^^}")"
probe group-filter-externalId GET "/Groups?$(filt externalId "nonexistent-$R")"
probe group-get-by-id GET "/Groups/$G1"
probe group-get-unknown-id GET "/Groups/$(guid)"

probe group-rename-legacy PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"$GN renamed\"}")"
probe group-rename-legacy.get GET "/Groups/$G1?excludedAttributes=members"
probe group-rename-compliant-pathless PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"replace\",\"value\":{\"displayName\":\"$GN\"}}")"
probe group-rename-compliant-pathless.get GET "/Groups/$G1?excludedAttributes=members"
probe group-replace-externalId-pathless PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"replace\",\"value\":{\"externalId\":\"$(guid)\"}}")"

mk_user group-setup-member1 "member1.$R@contoso.com"; M1=$NEW_ID
mk_user group-setup-member2 "member2.$R@contoso.com"; M2=$NEW_ID
mk_user group-setup-member3 "member3.$R@contoso.com"; M3=$NEW_ID
GSHOW='{"displayName": d.get("displayName"), "members": d.get("members")}'
gget() { SUMMARY=$GSHOW probe "$1.get" GET "/Groups/$G1"; }
probe group-member-add-legacy PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$M1\"}]}")"
gget group-member-add-legacy
probe group-member-add-compliant-batch PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$M2\"},{\"value\":\"$M3\"}]}")"
gget group-member-add-compliant-batch
probe group-member-add-twice PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\"$M1\"}]}")"
gget group-member-add-twice
probe group-excludedAttributes-members-by-id GET "/Groups/$G1?excludedAttributes=members"
probe group-excludedAttributes-members-list GET "/Groups?excludedAttributes=members&$(filt displayName "$GN")"
SUMMARY='{"totalResults": d.get("totalResults"), "members": [g.get("members") for g in d.get("Resources", [])]}' \
  probe group-list-without-excludedAttributes GET "/Groups?$(filt displayName "$GN")"
probe group-member-remove-legacy PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"$M2\"}]}")"
gget group-member-remove-legacy
probe group-member-remove-legacy-with-ref-null PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$M2\"}]}")"
gget group-member-remove-legacy-with-ref-null
probe group-member-remove-compliant PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$M2\\\"]\"}")"
gget group-member-remove-compliant
probe group-member-remove-compliant-absent PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$M2\\\"]\"}")"
probe group-member-add-unknown-id PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\"$(guid)\"}]}")"
gget group-member-add-unknown-id
probe group-member-replace-validator PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"value\":\"$M3\"}]}")"
gget group-member-replace-validator
probe group-validator-add-remove-same-member PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$M2\"}]},{\"op\":\"remove\",\"path\":\"members[value eq \\\"$M2\\\"]\"}")"
gget group-validator-add-remove-same-member
probe group-member-remove-last PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$M3\\\"]\"}")"
probe group-member-remove-last.get GET "/Groups/$G1"
probe group-member-add-then-user-deleted PATCH "/Groups/$G1" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$M1\"}]}")"
probe group-member-add-then-user-deleted.delete-user DELETE "/Users/$M1"
gget group-member-add-then-user-deleted
SUMMARY='d.get("groups")' probe user-groups-attribute GET "/Users/$M2"
probe group-delete DELETE "/Groups/$G1"
probe group-delete-get-after GET "/Groups/$G1"
probe group-delete-twice DELETE "/Groups/$G1"
probe group-delete-unknown DELETE "/Groups/$(guid)"

###########################################################################
echo "## ETag"
echo
probe etag-get-user GET "/Users/$UALICE"
ETAG=$(grep -i '^etag:' "$tmp/headers" | tr -d '\r' | cut -d' ' -f2-)
IFMATCH=$ETAG probe etag-if-match-current PATCH "/Users/$UALICE" "$(patch_body '{"op":"replace","path":"title","value":"Versioned"}')"
IFMATCH=$ETAG probe etag-if-match-stale PATCH "/Users/$UALICE" "$(patch_body '{"op":"replace","path":"title","value":"Versioned2"}')"
probe etag-no-if-match PATCH "/Users/$UALICE" "$(patch_body '{"op":"replace","path":"title","value":"Unversioned"}')"


###########################################################################
echo "## Issue 17: request shapes of the new trials"
echo
# The harness's main create body for --vendor entra-default (fixtures/vendors/entra-default.toml
# filled from fixtures/entra-source.toml): every attribute of Entra's default mapping, no manager.
main_body() { # main_body NAME: the create body of user NAME (run-unique)
  echo "{\"schemas\":[\"$CORE\",\"$ENT\"],\"userName\":\"$1-Ada.Lovelace@example.com\",\"active\":true,\"displayName\":\"Ada Lovelace\",\"title\":\"Analyst\",\"emails\":[{\"type\":\"work\",\"primary\":${2:-true},\"value\":\"$1-ada@example.com\"}],\"preferredLanguage\":\"en-GB\",\"name\":{\"givenName\":\"Ada\",\"familyName\":\"Lovelace\",\"formatted\":\"Ada Lovelace\"},\"addresses\":[{\"type\":\"work\",\"formatted\":\"Marylebone\",\"streetAddress\":\"12 St James Square\",\"locality\":\"London\",\"region\":\"Greater London\",\"postalCode\":\"SW1Y 4JH\",\"country\":\"GB\"}],\"phoneNumbers\":[{\"type\":\"work\",\"value\":\"+44 20 7946 0000\"},{\"type\":\"mobile\",\"value\":\"+44 7700 900000\"},{\"type\":\"fax\",\"value\":\"+44 20 7946 0001\"}],\"externalId\":\"$1-ada\",\"$ENT\":{\"employeeNumber\":\"E-$(guid)\",\"department\":\"Analytical Engines\"},\"meta\":{\"resourceType\":\"User\"}}"
}
# The same without the enterprise extension data, the URN still in schemas, and "roles": [] (ED-SCIM's sample).
sample_body() { main_body "$1" | python3 -c "import json,sys; b=json.load(sys.stdin); del b['$ENT']; b['roles']=[]; print(json.dumps(b))"; }
group_body() { # group_body DISPLAYNAME: the compliant group create (core URN only)
  echo "{\"schemas\":[\"$GRP\"],\"displayName\":\"$1\",\"externalId\":\"$(guid)\",\"meta\":{\"resourceType\":\"Group\"}}"
}
NSHOW='{k: d.get(k) for k in ("name", "displayName", "active", "emails") if k in d}'
nget() { SUMMARY=$NSHOW probe "$1.get" GET "/Users/$2"; }
ggetid() { SUMMARY=$GSHOW probe "$1.get" GET "/Groups/$2"; }
byfilter() { # byfilter ID GROUP USER: the harness's membership filter
  SUMMARY='{"status": "ok", "totalResults": d.get("totalResults")} if "totalResults" in d else d' \
    probe "$1" GET "/Groups?excludedAttributes=members&filter=$(enc "id eq \"$2\" and members[value eq \"$3\"]")"
}

echo "Test Connection with no SCIM Accept header (connection::users-probe / groups-probe):"
echo
G=$(guid)
ACCEPT=none probe tc-users-filter-no-accept-header GET "/Users?$(filt userName "$G")"
ACCEPT='*/*' probe tc-users-filter-accept-any GET "/Users?$(filt userName "$G")"
ACCEPT=none probe tc-groups-filter-no-accept-header GET "/Groups?excludedAttributes=members&$(filt displayName "$G")"

echo "/Schemas flattened as Microsoft's Schema_Discoverability_Test does (gallery::schemas-discoverable):"
echo
echo "### discovery-schemas-flattened"
echo '```'
echo "> GET /Schemas   (flattened: a, a.b, a[type eq \"<canonical>\"].b or a[primary eq \"True\"].b, <URN>:attr; compared ignoring case with each profile's mapped targets)"
curl -s -g --max-time 5 -H "Authorization: Bearer $T" "$U/Schemas" | python3 -c '
import json, sys
CORE = {"users": "urn:ietf:params:scim:schemas:core:2.0:User", "groups": "urn:ietf:params:scim:schemas:core:2.0:Group"}
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
def flatten(d, kind):
    out = []
    for r in d.get("Resources", []):
        rid = r.get("id", "")
        for a in r.get("attributes", []):
            name, typ, multi, subs = a.get("name", ""), a.get("type", "string"), a.get("multiValued", False), a.get("subAttributes") or []
            if rid == CORE[kind]:
                if name.lower() in ("manager", "members"):
                    out.append(name)
                elif typ == "complex" and multi:
                    cv = next((s.get("canonicalValues") or [] for s in subs if s.get("name") == "type"), [])
                    for s in subs:
                        sn = s.get("name", "")
                        if not cv:
                            if sn != "primary":
                                out.append(f"{name}[primary eq \"True\"].{sn}")
                        elif sn not in ("type", "primary"):
                            out += [f"{name}[type eq \"{c}\"].{sn}" for c in cv]
                elif typ == "complex":
                    out += [name + "." + s.get("name", "") for s in subs if s.get("type", "string") not in ("complex", "reference")]
                elif typ != "reference":
                    out.append(name)
            elif kind == "users" and rid not in CORE.values():
                out.append(f"{rid}:{name}")
    return [o.lower() for o in out]
addr = [f"addresses[type eq \"work\"].{s}" for s in ("formatted", "streetAddress", "locality", "region", "postalCode", "country")]
phones = [f"phoneNumbers[type eq \"{t}\"].value" for t in ("work", "mobile", "fax")]
mapped = {
    "entra-default": {"users": ["userName", "active", "displayName", "title", "emails[type eq \"work\"].value", "preferredLanguage", "name.givenName", "name.familyName", "name.formatted"] + addr + phones + ["externalId", f"{ENT}:employeeNumber", f"{ENT}:department", f"{ENT}:manager"], "groups": ["displayName", "members", "externalId"]},
    "zenya": {"users": ["active", "displayName", "emails[type eq \"work\"].value", "preferredLanguage", "userName", "phoneNumbers[type eq \"work\"].value", "externalId", f"{ENT}:department", "title", f"{ENT}:manager"], "groups": ["displayName", "members", "externalId"]},
}
common = lambda t: t.split(".")[0].lower() in ("id", "externalid", "meta")
d = json.load(sys.stdin)
for prof, m in mapped.items():
    for kind, targets in m.items():
        flat = flatten(d, kind)
        print(f"< {prof} {kind}: missing {[t for t in targets if t.lower() not in flat and not common(t)]}, common attributes not listed {[t for t in targets if common(t) and t.lower() not in flat]}")
'
echo '```'
echo

echo "Users: a given-name-only change, updates of a disabled user, the AZ-COMPAT-2020 disable with attributes, Microsoft's create samples:"
echo
mk_user i17-given-setup "i17g.$R-Ada.Lovelace@example.com" "$(main_body "i17g.$R")"
UG=$NEW_ID
probe patch-legacy-givenName-only PATCH "/Users/$UG" "$(patch_body '{"op":"Replace","path":"name.givenName","value":"Grace"}')"
nget patch-legacy-givenName-only "$UG"
probe patch-compliant-pathless-givenName-only PATCH "/Users/$UG" "$(patch_body '{"op":"replace","value":{"name.givenName":"Grace2"}}')"
nget patch-compliant-pathless-givenName-only "$UG"

mk_user i17-disabled-setup "i17d.$R-Ada.Lovelace@example.com" "$(main_body "i17d.$R")"
UD=$NEW_ID
probe patch-disabled-user-setup-legacy PATCH "/Users/$UD" "$(patch_body '{"op":"Replace","path":"active","value":"False"}')"
probe patch-disabled-user-update-legacy PATCH "/Users/$UD" "$(patch_body '{"op":"Replace","path":"displayName","value":"Disabled Countess L"}')"
nget patch-disabled-user-update-legacy "$UD"
mk_user i17-disabled-setup-2 "i17e.$R-Ada.Lovelace@example.com" "$(main_body "i17e.$R")"
UE=$NEW_ID
probe patch-disabled-user-setup-compliant PATCH "/Users/$UE" "$(patch_body '{"op":"replace","path":"active","value":false}')"
probe patch-disabled-user-update-compliant PATCH "/Users/$UE" "$(patch_body '{"op":"replace","value":{"displayName":"Disabled Countess C"}}')"
nget patch-disabled-user-update-compliant "$UE"

mk_user i17-leaver-setup-primary-false "i17w.$R-Ada.Lovelace@example.com" "$(main_body "i17w.$R" false)"
UW=$NEW_ID
probe patch-compliant-disable-with-attributes PATCH "/Users/$UW" "$(patch_body "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"i17w.$R-disabled@example.com\"},{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].primary\",\"value\":true},{\"op\":\"replace\",\"value\":{\"active\":false,\"displayName\":\"i17w Leaver\"}}")"
nget patch-compliant-disable-with-attributes "$UW"

probe create-user-documented-sample POST /Users "$(sample_body "i17s.$R")"
probe create-user-roles-primary-string-True-main-body POST /Users "$(main_body "i17r.$R" | python3 -c 'import json,sys; b=json.load(sys.stdin); b["roles"]=[{"primary":"True","display":"Reader","value":"Reader","type":"WindowsAzureActiveDirectoryRole"}]; print(json.dumps(b))')"

echo "The 2017 manager sample (path manager, an array with a relative \$ref):"
echo
mk_user i17-manager-setup "i17m.$R-Ada.Lovelace@example.com" "$(main_body "i17m.$R")"
UM=$NEW_ID
mk_user i17-report-setup "i17p.$R-Ada.Lovelace@example.com" "$(main_body "i17p.$R")"
UPR=$NEW_ID
probe manager-legacy-2017-array-relative-ref PATCH "/Users/$UPR" "$(patch_body "{\"op\":\"Add\",\"path\":\"manager\",\"value\":[{\"\$ref\":\"Users/$UM\",\"value\":\"$UM\"}]}")"
SUMMARY=$MSHOW probe manager-legacy-2017-array-relative-ref.get GET "/Users/$UPR"

echo "Groups: delete then filter, re-create after delete, a name with parentheses, rename and member add in one PATCH, Entra's legacy batch add, two groups:"
echo
GD="i17-$R-Deleted"
GDBODY=$(group_body "$GD")
probe group-delete-setup POST /Groups "$GDBODY"
GDID=$(jv "d['id']")
probe group-delete-filter-before GET "/Groups?excludedAttributes=members&$(filt displayName "$GD")"
probe group-delete-then-filter.delete DELETE "/Groups/$GDID"
probe group-delete-then-filter GET "/Groups?excludedAttributes=members&$(filt displayName "$GD")"
probe group-recreate-after-delete.get GET "/Groups/$GDID"
probe group-recreate-after-delete POST /Groups "$GDBODY"

GP="i17-$R-LACreateGroup-(Sales)"
probe group-create-displayName-parentheses POST /Groups "$(group_body "$GP")"
probe group-filter-displayName-parentheses GET "/Groups?excludedAttributes=members&$(filt displayName "$GP")"
probe group-filter-displayName-parentheses-raw GET "/Groups?excludedAttributes=members&filter=displayName+eq+%22i17-$R-LACreateGroup-(Sales)%22"

mk_user i17-member1 "i17m1.$R-Ada.Lovelace@example.com" "$(main_body "i17m1.$R")"; N1=$NEW_ID
mk_user i17-member2 "i17m2.$R-Ada.Lovelace@example.com" "$(main_body "i17m2.$R")"; N2=$NEW_ID
mk_user i17-member3 "i17m3.$R-Ada.Lovelace@example.com" "$(main_body "i17m3.$R")"; N3=$NEW_ID
probe group-rename-and-add-setup-legacy POST /Groups "$(group_body "i17-$R-RA-legacy")"
GRA=$(jv "d['id']")
probe group-rename-and-add-member-legacy PATCH "/Groups/$GRA" "$(patch_body "{\"op\":\"Replace\",\"path\":\"displayName\",\"value\":\"i17-$R-Renamed-With-Member-L\"},{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$N1\"}]}")"
ggetid group-rename-and-add-member-legacy "$GRA"
probe group-rename-and-add-setup-compliant POST /Groups "$(group_body "i17-$R-RA-compliant")"
GRC=$(jv "d['id']")
probe group-rename-and-add-member-compliant PATCH "/Groups/$GRC" "$(patch_body "{\"op\":\"replace\",\"value\":{\"displayName\":\"i17-$R-Renamed-With-Member-C\"}},{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$N1\"}]}")"
ggetid group-rename-and-add-member-compliant "$GRC"

probe group-member-add-legacy-batch-setup POST /Groups "$(group_body "i17-$R-OnDemand")"
GOD=$(jv "d['id']")
probe group-member-add-legacy-batch-ref-null PATCH "/Groups/$GOD" "$(patch_body "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$N1\"},{\"\$ref\":null,\"value\":\"$N2\"},{\"\$ref\":null,\"value\":\"$N3\"}]}")"
ggetid group-member-add-legacy-batch-ref-null "$GOD"

for d in legacy compliant; do
  probe "group-two-groups-$d.setup-first" POST /Groups "$(group_body "i17-$R-Two-A-$d")"
  GA=$(jv "d['id']")
  probe "group-two-groups-$d.setup-second" POST /Groups "$(group_body "i17-$R-Two-B-$d")"
  GB=$(jv "d['id']")
  probe "group-two-groups-$d.add-first" PATCH "/Groups/$GA" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$N2\"}]}")"
  probe "group-two-groups-$d.add-second" PATCH "/Groups/$GB" "$(patch_body "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"$N2\"}]}")"
  if [[ $d == legacy ]]; then
    probe group-two-groups-remove-legacy PATCH "/Groups/$GA" "$(patch_body "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"\$ref\":null,\"value\":\"$N2\"}]}")"
  else
    probe group-two-groups-remove-compliant PATCH "/Groups/$GA" "$(patch_body "{\"op\":\"remove\",\"path\":\"members[value eq \\\"$N2\\\"]\"}")"
  fi
  ggetid "group-two-groups-remove-$d.first" "$GA"
  byfilter "group-two-groups-remove-$d.first-by-filter" "$GA" "$N2"
  ggetid "group-two-groups-remove-$d.second" "$GB"
done
