#!/usr/bin/env python3
"""Validates loadkit JSON reports against docs/report.schema.json (JSON Schema 2020-12).

    python3 tools/check_json_schema.py [--schema docs/report.schema.json] report.json...

Also checks the schema itself: every member of every object is described ("documents every
field"), and only the keywords the built-in validator implements are used, so that validating
with python3 alone (no packages) misses nothing. If the `jsonschema` package is installed
(Debian: python3-jsonschema), each report is validated with it as well. Exit status 0 when
every report is valid, 1 otherwise.
"""
import argparse
import json
import math
import os
import sys

SUPPORTED = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
    "additionalProperties", "items", "prefixItems", "minItems", "enum", "const", "minimum", "maximum",
    "anyOf",
}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def check_schema(schema):
    """Problems with the schema itself: unsupported keywords, undescribed members."""
    problems = []

    def walk(node, path, is_member=False):
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            problems.append(f"{path}: a schema must be an object or a boolean")
            return
        for key in node:
            if key not in SUPPORTED:
                problems.append(f"{path}: keyword {key!r} is not implemented by the built-in validator")
        if is_member and "description" not in node:
            problems.append(f"{path}: member without a description")
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}/properties/{name}", True)
        for name, sub in node.get("$defs", {}).items():
            walk(sub, f"{path}/$defs/{name}")
        for i, sub in enumerate(node.get("prefixItems", [])):
            walk(sub, f"{path}/prefixItems/{i}")
        for i, sub in enumerate(node.get("anyOf", [])):
            walk(sub, f"{path}/anyOf/{i}")
        for key in ("items", "additionalProperties"):
            if key in node:
                walk(node[key], f"{path}/{key}")

    walk(schema, "#")
    return problems


def same_json(a, b):
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def validate(instance, node, root, path, errors):
    """Appends (path, message) for every violation of node by instance."""
    if node is True:
        return
    if node is False:
        errors.append((path, "no value is allowed here"))
        return
    if "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            errors.append((path, f"unsupported $ref {ref}"))
            return
        validate(instance, root["$defs"][ref[len("#/$defs/"):]], root, path, errors)
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(TYPES[t](instance) for t in types):
            errors.append((path, f"expected {' or '.join(types)}, found {json.dumps(instance)[:60]}"))
            return
    if "const" in node and not same_json(instance, node["const"]):
        errors.append((path, f"expected {json.dumps(node['const'])}, found {json.dumps(instance)[:60]}"))
    if "enum" in node and not any(same_json(instance, v) for v in node["enum"]):
        errors.append((path, f"expected one of {node['enum']}, found {json.dumps(instance)[:60]}"))
    if isinstance(instance, (int, float)) and not isinstance(instance, bool):
        if "minimum" in node and instance < node["minimum"]:
            errors.append((path, f"{instance} is below the minimum {node['minimum']}"))
        if "maximum" in node and instance > node["maximum"]:
            errors.append((path, f"{instance} is above the maximum {node['maximum']}"))
    if "anyOf" in node:
        for option in node["anyOf"]:
            trial = []
            validate(instance, option, root, path, trial)
            if not trial:
                break
        else:
            errors.append((path, f"matches none of the allowed forms: {json.dumps(instance)[:60]}"))
    if isinstance(instance, dict):
        properties = node.get("properties", {})
        for name in node.get("required", []):
            if name not in instance:
                errors.append((path, f"missing member {name!r}"))
        for name, value in instance.items():
            if name in properties:
                validate(value, properties[name], root, f"{path}.{name}", errors)
            elif "additionalProperties" in node:
                validate(value, node["additionalProperties"], root, f"{path}.{name}", errors)
    if isinstance(instance, list):
        if len(instance) < node.get("minItems", 0):
            errors.append((path, f"expected at least {node['minItems']} items"))
        prefix = node.get("prefixItems", [])
        for i, value in enumerate(instance):
            if i < len(prefix):
                validate(value, prefix[i], root, f"{path}[{i}]", errors)
            elif "items" in node:
                validate(value, node["items"], root, f"{path}[{i}]", errors)


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "report.schema.json")
    parser.add_argument("--schema", default=default)
    parser.add_argument("reports", nargs="*")
    args = parser.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    failed = False
    for problem in check_schema(schema):
        print(f"{args.schema}: {problem}")
        failed = True
    try:
        import jsonschema  # optional: Debian python3-jsonschema

        jsonschema.Draft202012Validator.check_schema(schema)
        reference = jsonschema.Draft202012Validator(schema)
    except ImportError:
        reference = None

    for path in args.reports:
        try:
            with open(path, encoding="utf-8") as f:
                instance = json.load(f, parse_constant=reject_constant)
        except (OSError, ValueError) as e:
            print(f"{path}: not valid JSON: {e}")
            failed = True
            continue
        errors = []
        validate(instance, schema, schema, "$", errors)
        for where, message in errors[:20]:
            print(f"{path}: {where}: {message}")
        if reference is not None:
            for e in list(reference.iter_errors(instance))[:20]:
                print(f"{path}: {e.json_path}: {e.message[:200]} (jsonschema)")
                failed = True
        failed = failed or bool(errors)
        if not errors:
            print(f"{path}: valid ({'built-in and jsonschema' if reference else 'built-in validator'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
