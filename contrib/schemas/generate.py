#!/usr/bin/env python3
"""Writes fixtures/selftest/schemas/<vendor>.json: each committed vendor profile's mapping table
(fixtures/vendors/<vendor>.toml, itself taken from the vendor's setup guide) in the documented
shape of Microsoft Graph's synchronizationSchema (entra-protocol.md section 11), and the customised
mappings built on the default one (custom-*.json).

No public export of a full non-gallery schema exists: ids, versions, names and the directory
definitions are inferred ([INF]) from the documented structure, and each file says so.

    python3 contrib/schemas/generate.py        (from the repository root; needs Python 3.11+)
"""
import copy
import json
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "fixtures/selftest/schemas"
MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"


def source(expr):
    e = expr.strip()
    if "(" in e or e.startswith('"'):
        name = e.split("(")[0].strip() if "(" in e else e.strip('"')
        kind = "Function" if "(" in e else "Constant"
        return {"expression": e, "name": name, "type": kind, "parameters": []}
    bare = e.strip("[]")
    return {"expression": f"[{bare}]", "name": bare, "type": "Attribute", "parameters": []}


def mapping_row(target, expr, priority):
    return {
        "defaultValue": None,
        "exportMissingReferences": False,
        "flowBehavior": "FlowWhenChanged",
        "flowType": "Always",
        "matchingPriority": priority,
        "source": source(expr),
        "targetAttributeName": target,
    }


def object_mapping(name, source_object, target_object, section):
    rows = []
    for m in section.get("mapping", []):
        if not m["source"].strip():
            continue  # an unmapped target is not in an export's attributeMappings
        matching = section.get("matching", [])
        priority = matching.index(m["target"]) + 1 if m["target"] in matching else 0
        rows.append(mapping_row(m["target"], m["source"], priority))
    return {
        "enabled": section.get("provisioned", True),
        "flowTypes": "Add,Update,Delete",
        "name": name,
        "scope": None,
        "sourceObjectName": source_object,
        "targetObjectName": target_object,
        "metadata": [] if source_object == "User" else [{"key": "OriginalJoiningProperty", "value": "displayName"}],
        "attributeMappings": rows,
    }


def attribute(name, required, kind="String"):
    return {
        "name": name, "type": kind, "required": required, "caseExact": False, "multivalued": False,
        "mutability": "ReadWrite", "anchor": False, "referencedObjects": [], "metadata": [],
    }


def definitions(section, object_name, manager_string):
    attrs = []
    required = set(section.get("required", []))
    for m in section.get("mapping", []):
        t = m["target"]
        if t == MANAGER:
            a = attribute(t, t in required, "String" if manager_string else "Reference")
            if not manager_string:
                a["referencedObjects"] = [{"referencedObjectName": "User", "referencedProperty": None}]
            attrs.append(a)
        elif t == "members":
            a = attribute(t, False, "Reference")
            a["multivalued"] = True
            a["referencedObjects"] = [{"referencedObjectName": "Group", "referencedProperty": None}]
            attrs.append(a)
        else:
            attrs.append(attribute(t, t in required))
    return {"name": object_name, "metadata": [], "attributes": attrs}


USER_OBJECT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_OBJECT = "urn:ietf:params:scim:schemas:core:2.0:Group"


def schema(vendor, p):
    users, groups = p["users"], p["groups"]
    return {
        "id": f"scim.{vendor}.selftest",
        "version": "6.0",
        "_comment": (
            f"A synchronizationSchema in the documented shape (entra-protocol.md section 11) built by "
            f"contrib/schemas/generate.py from fixtures/vendors/{vendor}.toml (the mapping table of "
            f"{p['vendor']['seed']}); ids, version, names and the directory definitions are [INF], "
            "not from a captured export."
        ),
        "synchronizationRules": [{
            "editable": True, "id": "USERGROUP_OUTBOUND_USERGROUP", "name": "USERGROUP_OUTBOUND_USERGROUP",
            "priority": 1, "sourceDirectoryName": "Azure Active Directory", "targetDirectoryName": "customappsso",
            "metadata": [],
            "objectMappings": [
                object_mapping("Provision Azure Active Directory Users", "User", USER_OBJECT, users),
                object_mapping("Provision Azure Active Directory Groups", "Group", GROUP_OBJECT,
                               {**groups, "provisioned": groups.get("provisioned", False)}),
            ],
        }],
        "directories": [
            {"name": "Azure Active Directory", "objects": [
                {"name": "User", "metadata": [{"key": "PropertyNameSoftDeleted", "value": "IsSoftDeleted"}],
                 "attributes": [attribute("userPrincipalName", True)]},
            ]},
            {"name": "customappsso", "objects": [
                definitions(users, USER_OBJECT, users.get("manager_type") == "string"),
                definitions(groups, GROUP_OBJECT, False),
            ]},
        ],
    }


def user_row(s, target):
    rows = s["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
    return next(r for r in rows if r["targetAttributeName"] == target)


def customised(base):
    """Customer edits of the default mapping, each one file."""
    out = {}

    def edit(name, why, f):
        s = copy.deepcopy(base)
        s["id"] = f"scim.custom-{name}.selftest"
        s["_comment"] = f"entra-default's schema, customised: {why}. [INF] like its base."
        f(s)
        out[f"custom-{name}"] = s

    def join_display(s):
        user_row(s, "displayName")["source"] = source('Join(", ", [surname], [givenName])')
    edit("join-display-name", "displayName <- Join(\", \", [surname], [givenName])", join_display)

    def lower_user(s):
        user_row(s, "userName")["source"] = source("ToLower([userPrincipalName])")
    edit("lower-username", "userName <- ToLower([userPrincipalName])", lower_user)

    def switch_department(s):
        user_row(s, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")["source"] = source(
            'Switch([department], "Other", "Analytical Engines", "Engines", "Sales", "Revenue")')
    edit("switch-department", "department <- Switch([department], \"Other\", \"Analytical Engines\", \"Engines\", ...)",
         switch_department)

    def add_only(s):
        user_row(s, "title")["flowType"] = "ObjectAddOnly"
    edit("add-only-title", "title flows ObjectAddOnly (only when the user is created)", add_only)

    def second_matching(s):
        user_row(s, "externalId")["matchingPriority"] = 2
    edit("second-matching", "externalId is a second matching attribute (matchingPriority 2)", second_matching)

    def no_groups(s):
        s["synchronizationRules"][0]["objectMappings"][1]["enabled"] = False
    edit("groups-disabled", "group provisioning switched off (the Group object mapping disabled)", no_groups)
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    schemas = {}
    for path in sorted((ROOT / "fixtures/vendors").glob("*.toml")):
        p = tomllib.loads(path.read_text())
        schemas[path.stem] = schema(path.stem, p)
    schemas.update(customised(schemas["entra-default"]))
    for name, s in schemas.items():
        (OUT / f"{name}.json").write_text(json.dumps(s, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)}/{name}.json")


if __name__ == "__main__":
    main()
