#!/usr/bin/env python3
"""Writes the broken-input corpus (tests/corpus/<format>/) from each format's good example.

Run from the repository root: python3 tests/corpus/generate.py. The files are committed; this
script only records how they were made. Cases too large to commit (a field over the 1 MiB
limit) are made by tests/import_corpus.rs at test time.
"""
import gzip
import json
import os

# format: (good file, key to duplicate / nest before, string key to corrupt, renames making a wrong header)
JSON = {
    "aws-credential-report-json": ("importers/tests/fixtures/aws/credential-report.json", "Content", "Content", {"Content": "content"}),
    "aws-authorization-details": ("examples/aws/authorization-details.json", "UserName", "UserName",
                                  {"UserDetailList": "Users", "RoleDetailList": "Roles", "GroupDetailList": "Groups", "Policies": "ManagedPolicies"}),
    "gcp-service-accounts": ("examples/gcp/service-accounts.json", "email", "email", {"email": "e-mail"}),
    "gcp-service-account-keys": ("examples/gcp/keys-etl-loader.json", "name", "name",
                                 {"name": "keyName", "keyType": "type", "validAfterTime": "validAfter"}),
    "gcp-iam-policy": ("examples/gcp/iam-policy.json", "role", "role", {"bindings": "roleBindings"}),
    "gcp-key-file": ("examples/gcp/key-file-etl-loader.json", "client_email", "client_email", {"client_email": "clientEmail"}),
    "azure-service-principals": ("examples/azure/service-principals.json", "displayName", "displayName",
                                 {"servicePrincipalType": "spType", "appId": "applicationId", "id": "objectId"}),
    "azure-role-assignments": ("examples/azure/role-assignments.json", "principalId", "principalId",
                               {"principalId": "principal", "roleDefinitionId": "roleDefinition", "principalType": "kindOfPrincipal"}),
    "azure-oauth2-grants": ("examples/azure/oauth2-permission-grants.json", "clientId", "clientId", {"clientId": "client", "consentType": "consent"}),
    "k8s-service-accounts": ("examples/k8s/serviceaccounts.json", "name", "name", {"kind": "type", "metadata": "meta"}),
    "k8s-role-bindings": ("examples/k8s/rolebindings.json", "name", "name", {"kind": "type", "roleRef": "role"}),
    "github-installations": ("examples/github/installations.json", "app_slug", "app_slug", {"installations": "apps"}),
    "github-personal-access-tokens": ("examples/github/personal-access-tokens.json", "token_name", "token_name",
                                      {"token_id": "tokenId", "access_granted_at": "grantedAt"}),
    "github-deploy-keys": ("examples/github/deploy-keys-web.json", "title", "title", {"key": "publicKey", "read_only": "readOnly", "id": "keyId"}),
    "okta-apps": ("examples/okta/apps.json", "label", "label", {"signOnMode": "mode", "label": "title"}),
    "okta-api-tokens": ("examples/okta/api-tokens.json", "name", "name", {"tokenWindow": "window", "clientName": "client", "userId": "user"}),
    "okta-app-grants": ("examples/okta/app-grants-nw-user-provisioner.json", "scopeId", "scopeId", {"scopeId": "scope", "issuer": "iss"}),
    "workspace-oauth-tokens": ("examples/workspace/tokens-user-114477001.json", "clientId", "clientId", {"kind": "type", "clientId": "client"}),
}

# What an export with its list and nothing in it looks like, where that is not a legitimate
# empty export (a tokens.list without items but with its kind is one, so it is not here).
HEADER_ONLY = {
    "aws-credential-report-json": '{\n    "ReportFormat": "text/csv",\n    "GeneratedTime": "2026-11-27T06:00:00+00:00"\n}\n',
    "aws-authorization-details": '{\n    "UserDetailList": [],\n    "GroupDetailList": [],\n    "RoleDetailList": [],\n    "Policies": []\n}\n',
    "gcp-iam-policy": '{\n  "etag": "BwYF0y5hW2c=",\n  "version": 1\n}\n',
    "gcp-key-file": '{\n  "type": "service_account"\n}\n',
    "k8s-service-accounts": '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n',
    "k8s-role-bindings": '{\n    "apiVersion": "v1",\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n',
    "github-installations": '{\n  "total_count": 0\n}\n',
    "azure-service-principals": '{\n  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals"\n}\n',
    "azure-oauth2-grants": '{\n  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants"\n}\n',
    "workspace-oauth-tokens": '{\n  "etag": "\\"p4Ck9yh8aB3\\""\n}\n',
}

CSV = {
    "aws-credential-report": ("examples/aws/credential-report.csv", "access_key_1_last_rotated", "access_key_1_rotated"),
    "mapped-csv": ("examples/saas/slack-integrations.csv", "App ID", "AppId"),
}


def write(fmt, name, data):
    os.makedirs(f"tests/corpus/{fmt}", exist_ok=True)
    with open(f"tests/corpus/{fmt}/{name}", "wb") as f:
        f.write(data)


def find_key(text, key):
    for pat in (f'"{key}": ', f'"{key}":'):
        i = text.find(pat)
        if i >= 0:
            return i, pat
    raise SystemExit(f"no {key}")


for fmt, (good, dup, strkey, renames) in JSON.items():
    text = open(good, encoding="utf-8").read()
    raw = text.encode()
    write(fmt, "empty.json", b"")
    write(fmt, "header-only.json", HEADER_ONLY.get(fmt, "[]\n").encode())
    write(fmt, "truncated.json", raw[: len(raw) * 3 // 5])
    wrong = text
    for old, new in renames.items():
        wrong = wrong.replace(f'"{old}":', f'"{new}":')
    write(fmt, "wrong-header.json", wrong.encode())
    i, pat = find_key(text, dup)
    write(fmt, "duplicate-columns.json", (text[:i] + f'"{dup}": "duplicate", ' + text[i:]).encode())
    write(fmt, "deep-nesting.json", (text[:i] + '"nest": ' + "[" * 100 + "]" * 100 + ", " + text[i:]).encode())
    i, pat = find_key(text, strkey)
    j = i + len(pat) + 1  # after the value's opening quote
    write(fmt, "invalid-utf8.json", raw[: len(text[:j].encode())] + b"caf\xe9 " + raw[len(text[:j].encode()):])
    write(fmt, "utf16-bom.json", b"\xff\xfe" + text.encode("utf-16-le"))
    write(fmt, "binary.json", gzip.compress(raw, mtime=0))

for fmt, (good, col, renamed) in CSV.items():
    text = open(good, encoding="utf-8").read()
    raw = text.encode()
    lines = text.splitlines()
    header = lines[0]
    write(fmt, "empty.csv", b"")
    write(fmt, "header-only.csv", (header + "\n").encode())
    cut = "\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2]
    write(fmt, "truncated.csv", cut.encode())
    write(fmt, "wrong-header.csv", text.replace(col, renamed, 1).encode())
    cols = header.split(",")
    dup = ",".join(cols + [cols[1]])
    body = [line + "," for line in lines[1:]]
    write(fmt, "duplicate-columns.csv", ("\n".join([dup] + body) + "\n").encode())
    extra = lines[:]
    extra[2] = extra[2] + ",surplus"
    write(fmt, "extra-field.csv", ("\n".join(extra) + "\n").encode())
    write(fmt, "invalid-utf8.csv", raw.replace(lines[2].split(",")[1].encode(), lines[2].split(",")[1].encode() + b"\xe9", 1))
    write(fmt, "utf16-bom.csv", b"\xff\xfe" + text.encode("utf-16-le"))
    write(fmt, "binary.csv", gzip.compress(raw, mtime=0))
