#!/usr/bin/env python3
"""Sends every example in a running swha-tts's /openapi.json to it and checks the answer.

For each operation, each example name K (from the request body's, the parameters' and the
responses' examples) becomes one request built from the pieces named K; the response that has
an example named K gives the expected status, and the body that comes back must validate
against that response's schema (JSON Schema 2020-12, python3-jsonschema). Then every limit a
request field documents (minimum, maximum, maxLength, maxItems, enum) is probed: the first
successful example with that field set just past the limit must be refused (400, 413 or 422)
naming the field. Examples shown in the document are validated against their schemas too.

Usage: check_examples.py BASE_URL FIXTURES_JSON
  FIXTURES_JSON: {"tokens": {"user": ..., "superuser": ...}, "fixtures": {name: value}}
Prints one line per check; exits 1 if any failed.
"""
import copy
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

import jsonschema

FAILURES = []


def fail(message):
    FAILURES.append(message)
    print("FAIL " + message, flush=True)


def resolve_refs(node, components):
    """The schema with every #/components/schemas/X reference replaced by X itself."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return resolve_refs(components[ref.rsplit("/", 1)[1]], components)
        return {k: resolve_refs(v, components) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_refs(v, components) for v in node]
    return node


def set_pointer(document, pointer, value):
    """`document` with the JSON pointer's target replaced by `value` ("" = all of it)."""
    if pointer == "":
        return value
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    target = document
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return document


def example_value(example, fixtures):
    value = copy.deepcopy(example.get("value"))
    for pointer, name in example.get("x-swha-fixtures", {}).items():
        if name not in fixtures:
            raise KeyError("no fixture named " + name)
        value = set_pointer(value, pointer, fixtures[name])
    return value


def send(base_url, method, path, query, headers, body, content_type):
    url = base_url + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None
    if body is not None:
        if content_type == "application/x-www-form-urlencoded":
            data = urllib.parse.urlencode(body).encode()
        else:
            data = json.dumps(body).encode()
        headers = dict(headers, **{"Content-Type": content_type})
    request = urllib.request.Request(url, data=data, method=method.upper(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Operation:
    def __init__(self, path, method, op, components):
        self.path = path
        self.method = method
        self.op = op
        self.components = components
        self.params = op.get("parameters", [])
        content = op.get("requestBody", {}).get("content", {})
        self.body_type, self.body_media = next(iter(content.items()), (None, {}))
        self.responses = op.get("responses", {})

    def body_examples(self):
        """The body's examples: those shown, and those the server refuses (which do not fit
        the schema, so they are kept apart from it)."""
        return dict(self.body_media.get("examples", {}),
                    **self.body_media.get("x-swha-refused-examples", {}))

    def name(self):
        return self.method.upper() + " " + self.path

    def example_names(self):
        names = set(self.body_examples())
        for p in self.params:
            names.update(p.get("examples", {}))
        for response in self.responses.values():
            for media in response.get("content", {}).values():
                names.update(media.get("examples", {}))
        return sorted(names)

    def expected(self, name):
        """(status, response) whose examples include `name`."""
        for status, response in self.responses.items():
            for media in response.get("content", {}).values():
                if name in media.get("examples", {}):
                    return int(status), response
        return None, None

    def request_for(self, name, fixtures):
        """(path, query, body, anonymous) of the example named `name`."""
        path, query, body, anonymous = self.path, {}, None, False
        for p in self.params:
            example = p.get("examples", {}).get(name)
            if example is None:
                continue
            anonymous = anonymous or example.get("x-swha-anonymous", False)
            value = example_value(example, fixtures)
            if value is None:
                continue
            if p["in"] == "path":
                path = path.replace("{" + p["name"] + "}", urllib.parse.quote(str(value), safe=""))
            elif p["in"] == "query":
                query[p["name"]] = json.dumps(value) if isinstance(value, bool) else str(value)
                if isinstance(value, bool):
                    query[p["name"]] = "true" if value else "false"
        example = self.body_examples().get(name)
        if example is not None:
            anonymous = anonymous or example.get("x-swha-anonymous", False)
            body = example_value(example, fixtures)
        elif self.body_type is not None:
            body = {}
        return path, query, body, anonymous

    def auth_headers(self, tokens, anonymous):
        """The credentials x-swha-access asks for: optional ones are sent too (the examples
        are a user's), none for an anonymous example."""
        access = self.op.get("x-swha-access", "public")
        if anonymous or access not in ("optional-user", "user", "superuser"):
            return {}
        return {"Authorization": "Bearer " + tokens["superuser" if access == "superuser"
                                                    else "user"]}

    def check_body(self, label, response, content_type, raw):
        media = response.get("content", {})
        if not media:
            return
        # One status may be documented in several media types; the answer must be one.
        documented = next((t for t in media if content_type.startswith(t.split(";")[0])), None)
        if documented is None:
            fail(f"{label}: content type {content_type!r}, documented {sorted(media)}")
            return
        schema = media[documented].get("schema")
        if schema is None or not documented.endswith("json"):
            return
        try:
            body = json.loads(raw)
        except ValueError as error:
            fail(f"{label}: body is not JSON: {error}")
            return
        errors = sorted(jsonschema.Draft202012Validator(
            resolve_refs(schema, self.components)).iter_errors(body), key=str)
        for error in errors[:3]:
            fail(f"{label}: body does not fit the schema at {list(error.absolute_path)}: "
                 f"{error.message}")


def check_document_examples(op):
    """The examples shown in the document fit the schemas shown beside them."""
    for status, response in op.responses.items():
        for content_type, media in response.get("content", {}).items():
            if not content_type.endswith("json") or "schema" not in media:
                continue
            validator = jsonschema.Draft202012Validator(resolve_refs(media["schema"],
                                                                     op.components))
            for name, example in media.get("examples", {}).items():
                if "value" in example:
                    for error in list(validator.iter_errors(example["value"]))[:1]:
                        fail(f"{op.name()} {status} example {name} does not fit its schema: "
                             f"{error.message}")
    if op.body_type == "application/json":
        validator = jsonschema.Draft202012Validator(op.body_media["schema"])
        for name, example in op.body_media.get("examples", {}).items():
            expected, _ = op.expected(name)
            if expected is not None and expected < 300:
                for error in list(validator.iter_errors(example.get("value")))[:1]:
                    fail(f"{op.name()} request example {name} does not fit the body schema: "
                         f"{error.message}")


def past_limits(schema):
    """(what, value) pairs just outside each limit `schema` states."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    integer = "integer" in types
    out = []
    if "maximum" in schema:
        out.append(("maximum", int(schema["maximum"]) + 1 if integer else schema["maximum"] + 0.01))
    if "minimum" in schema:
        out.append(("minimum", int(schema["minimum"]) - 1 if integer else schema["minimum"] - 0.01))
    if "maxLength" in schema:
        out.append(("maxLength", "a" * (schema["maxLength"] + 1)))
    if "maxItems" in schema:
        out.append(("maxItems", ["x"] * (schema["maxItems"] + 1)))
    if "enum" in schema:
        out.append(("enum", "not-one-of-them"))
    return out


def names_field(raw, name):
    """Whether an error body blames `name`: FastAPI's loc or OpenAI's param."""
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        return any(item.get("loc", [None])[-1] == name for item in detail)
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("param") == name


def probe_limits(base_url, op, tokens, fixtures, success_name):
    path, query, body, anonymous = op.request_for(success_name, fixtures)
    headers = op.auth_headers(tokens, anonymous)
    fields = []
    if isinstance(body, dict) and op.body_type:
        for name, schema in op.body_media["schema"].get("properties", {}).items():
            fields.append(("body", name, schema))
    for p in op.params:
        if p["in"] == "query":
            fields.append(("query", p["name"], p["schema"]))
    for where, name, schema in fields:
        for what, value in past_limits(schema):
            probe_query, probe_body = dict(query), copy.deepcopy(body)
            if where == "body":
                probe_body[name] = value
            else:
                probe_query[name] = value
            status, _, raw = send(base_url, op.method, path, probe_query, headers, probe_body,
                                  op.body_type)
            label = f"{op.name()} {name} past its {what}"
            # 413: the text's configured limit (which names no field); 414: a query string
            # too long to reach the field at all. Anything else must blame the field itself.
            refused_whole = (status == 413 and what == "maxLength") or \
                (status == 414 and where == "query")
            if not refused_whole and not (status in (400, 422) and names_field(raw, name)):
                fail(f"{label}: {status} {raw[:200]!r}")
            else:
                print(f"ok {label} -> {status}", flush=True)


def main():
    base_url = sys.argv[1].rstrip("/")
    with open(sys.argv[2]) as f:
        setup = json.load(f)
    tokens, fixtures = setup["tokens"], setup["fixtures"]
    status, _, raw = send(base_url, "get", "/openapi.json", {}, {}, None, None)
    if status != 200:
        print(f"FAIL /openapi.json answered {status}: {raw[:300]!r}")
        return 1
    document = json.loads(raw)
    components = document.get("components", {}).get("schemas", {})
    operations = [Operation(path, method, op, components)
                  for path, item in document["paths"].items() for method, op in item.items()]
    # Deleting runs last: the other examples use what it deletes.
    operations.sort(key=lambda o: o.method == "delete")
    sent = 0
    for op in operations:
        check_document_examples(op)
        names = op.example_names()
        if not names:
            fail(f"{op.name()} has no example")
            continue
        success = None
        for name in names:
            expected, response = op.expected(name)
            label = f"{op.name()} example {name}"
            if expected is None:
                fail(f"{label}: no response has an example of that name")
                continue
            try:
                path, query, body, anonymous = op.request_for(name, fixtures)
            except KeyError as error:
                fail(f"{label}: {error}")
                continue
            # An answer-only example (no parameters, no body) says itself who asks.
            for media in response.get("content", {}).values():
                example = media.get("examples", {}).get(name, {})
                anonymous = anonymous or example.get("x-swha-anonymous", False)
            status, headers, raw = send(base_url, op.method, path, query,
                                        op.auth_headers(tokens, anonymous), body, op.body_type)
            sent += 1
            if status != expected:
                fail(f"{label}: expected {expected}, got {status}: {raw[:300]!r}")
                continue
            op.check_body(label, response, headers.get("Content-Type", ""), raw)
            print(f"ok {label} -> {status}", flush=True)
            if 200 <= status < 300 and success is None:
                success = name
        if success is not None and op.method != "delete":
            probe_limits(base_url, op, tokens, fixtures, success)
        elif any(past_limits(p["schema"]) for p in op.params if p["in"] == "query") or any(
                past_limits(v) for v in op.body_media.get("schema", {}).get("properties",
                                                                            {}).values()):
            # Said aloud: its limits are the example tests' blind spot.
            print(f"unprobed {op.name()}: no successful example to start from", flush=True)
    print(f"{len(operations)} operations, {sent} examples sent, {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
