"""A small, dependency-free Python client for the ml-asset-graph GraphQL API.

Copy this one file next to your notebook and::

    from ml_asset_graph import Client
    mag = Client(project="fraud-detection")   # MAG_URL / MAG_API_KEY from the environment
    mv = mag.get_model_version("fraud_detector", "production")
    mv.training_data()                        # the DATA artifacts it was trained on, and their runs
    for event in mag.watch("STAGE_CHANGED"):  # changes as they are committed (polls the change log)
        print(event)

Every helper returns dicts shaped like the GraphQL response (camelCase keys); model versions and
lineage graphs are dict subclasses with a few methods on top.
Errors are raised as :class:`GraphQLError` subclasses chosen by ``extensions.code``;
network or protocol failures as :class:`TransportError`.
Standard library only (urllib + json); Python 3.8+.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

__all__ = [
    "Client", "ModelVersion", "Lineage", "Event", "EventPage", "MagError", "TransportError", "GraphQLError", "NotFound", "Conflict",
    "BadUserInput", "Forbidden", "Unauthenticated", "InvalidQuery", "ServerError",
    "DEFAULT_URL",
]
__version__ = "0.3.0"

DEFAULT_URL = "http://localhost:4000/graphql"

TagSpec = Union[str, Mapping[str, Any]]
JSONDict = Dict[str, Any]


# --------------------------------------------------------------------------- errors


class MagError(Exception):
    """Base class of every error this client raises."""


class TransportError(MagError):
    """The server could not be reached or did not answer with GraphQL JSON."""

    def __init__(self, message: str, status: Optional[int] = None, body: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class GraphQLError(MagError):
    """A GraphQL error: ``code`` is its ``extensions.code``; ``errors`` holds every error of the response."""

    def __init__(self, message: str, code: Optional[str] = None, path: Optional[List[Union[str, int]]] = None,
                 extensions: Optional[JSONDict] = None, errors: Optional[List[JSONDict]] = None,
                 data: Any = None) -> None:
        super().__init__(f"[{code}] {message}" if code else message)
        self.message = message
        self.code = code
        self.path = path
        self.extensions = extensions or {}
        self.errors = errors or []
        self.data = data

    @property
    def field(self) -> Optional[str]:
        """The input field the server blamed (``extensions.field``), if any."""
        return self.extensions.get("field")


class NotFound(GraphQLError):
    """NOT_FOUND, or a lookup helper that found nothing."""


class Conflict(GraphQLError):
    """CONFLICT: a taken name, a stage held by another version, a tag in use, …"""


class BadUserInput(GraphQLError):
    """BAD_USER_INPUT: an argument the server refused."""


class Forbidden(GraphQLError):
    """FORBIDDEN: the api key's role or projects do not allow this."""


class Unauthenticated(GraphQLError):
    """UNAUTHENTICATED: missing, unknown or revoked api key."""


class InvalidQuery(GraphQLError):
    """GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED / BAD_REQUEST: the document itself is wrong."""


class ServerError(GraphQLError):
    """INTERNAL_SERVER_ERROR / SERVICE_UNAVAILABLE."""


_ERROR_CLASSES = {
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "BAD_USER_INPUT": BadUserInput,
    "FORBIDDEN": Forbidden,
    "UNAUTHENTICATED": Unauthenticated,
    "GRAPHQL_PARSE_FAILED": InvalidQuery,
    "GRAPHQL_VALIDATION_FAILED": InvalidQuery,
    "BAD_REQUEST": InvalidQuery,
    "INTERNAL_SERVER_ERROR": ServerError,
    "SERVICE_UNAVAILABLE": ServerError,
}


def _pythonic(message: str) -> str:
    """The server speaks GraphQL ("pass force: true"); this client's callers write force=True."""
    return message.replace("force: true", "force=True")


def _error_from(errors: List[JSONDict], data: Any = None) -> GraphQLError:
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    ext = first.get("extensions") or {}
    code = ext.get("code")
    cls = _ERROR_CLASSES.get(code or "", GraphQLError)
    return cls(_pythonic(str(first.get("message", "unknown error"))), code=code, path=first.get("path"),
               extensions=ext, errors=errors, data=data)


# --------------------------------------------------------------------------- documents

_TAG = "name exclusive color"
_AV = f"""id version type uri dataType metadata createdAt updatedAt deletedAt
  artifact {{ id name }} tags {{ {_TAG} }}
  producedBy {{ id name run {{ id name }} }}"""
_MV = f"""id number name stage description metadata createdAt updatedAt deletedAt
  model {{ id name }} tags {{ {_TAG} }}"""
_MV_FULL = f"""{_MV}
  artifacts {{ kind name artifactVersion {{ {_AV} }} }}
  runs {{ id name status pipeline {{ name }} }}"""
_MODEL = f"""id name description license createdAt updatedAt deletedAt tags {{ {_TAG} }}
  latestVersion {{ id number name stage }}"""
_RUN = f"""id name status config metadata startedAt endedAt createdAt updatedAt deletedAt
  pipeline {{ id name }} tags {{ {_TAG} }} stack {{ name }}
  modelVersion {{ id number name stage model {{ name }} }}"""
_STEP = f"""id name status metadata startedAt endedAt createdAt run {{ id name }}
  inputs {{ name artifactVersion {{ id version artifact {{ name }} }} }}
  outputs {{ name artifactVersion {{ {_AV} }} }}"""
_PROJECT = "id name displayName description createdAt updatedAt"
_PAGE = "pageInfo { hasNextPage endCursor } totalCount"
_LINEAGE = """roots truncated
  nodes {
    __typename
    ... on ArtifactVersion { id version type uri artifact { name } }
    ... on StepRun { id name status run { id name pipeline { name } } }
  }
  edges { source target kind name }"""
_LINKS = f"""kind name artifactVersion {{ {_AV} metadata
  producedBy {{ id name run {{ id name status pipeline {{ name }} stack {{ name }} }} }} }}"""

_EVENT = "id sequence kind at actor subjectId data project { name }"
_EVENT_KINDS = ("PROJECT_CREATED", "PIPELINE_CREATED", "RUN_STARTED", "RUN_FINISHED", "STEP_RECORDED",
                "ARTIFACT_VERSION_CREATED", "MODEL_VERSION_CREATED", "STAGE_CHANGED", "TAG_ADDED", "TAG_REMOVED",
                "METADATA_LOGGED", "ENTITY_UPDATED", "ENTITY_DELETED", "ENTITY_RESTORED", "PING")

_STAGES = ("NONE", "STAGING", "PRODUCTION", "ARCHIVED")
_RUN_STATUSES = ("INITIALIZING", "RUNNING", "COMPLETED", "FAILED", "CACHED")
_ARTIFACT_TYPES = ("DATA", "MODEL", "DATA_ANALYSIS", "SCHEMA", "SERVICE", "STATISTICS", "BASE")


# --------------------------------------------------------------------------- helpers


def _tag_inputs(tags: Union[None, TagSpec, Iterable[TagSpec]]) -> Optional[List[JSONDict]]:
    """Turns "name", {"name":…, "exclusive":…, "cascade":…} or a list of them into TagInput dicts."""
    if tags is None:
        return None
    if isinstance(tags, (str, Mapping)):
        tags = [tags]
    out: List[JSONDict] = []
    for t in tags:
        if isinstance(t, str):
            out.append({"name": t})
        elif isinstance(t, Mapping):
            if "name" not in t:
                raise ValueError(f"a tag dict needs a 'name': {t!r}")
            unknown = set(t) - {"name", "exclusive", "cascade"}
            if unknown:
                raise ValueError(f"unknown tag keys {sorted(unknown)}: use name, exclusive, cascade")
            out.append({k: v for k, v in t.items() if v is not None})
        else:
            raise TypeError(f"a tag is a name or a dict, got {type(t).__name__}")
    return out


def _tag_names(tags: Union[TagSpec, Iterable[TagSpec]]) -> List[str]:
    return [t["name"] for t in (_tag_inputs(tags) or [])]


def _enum(value: str, allowed: Sequence[str], what: str) -> str:
    v = str(value).upper()
    if v not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(a.lower() for a in allowed)}, got {value!r}")
    return v


def _listing(values: Sequence[str], what: str, most: int = 10) -> str:
    """ "(versions: 1, 2, 3)", or the first few and a count when there are many."""
    if not values:
        return f"(there are no {what})"
    shown = ", ".join(values[:most])
    return f"({what}: {shown}{f', … {len(values)} in all' if len(values) > most else ''})"


def _time(value: Union[None, str, _dt.datetime]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.isoformat()


def _compact(d: Mapping[str, Any]) -> JSONDict:
    return {k: v for k, v in d.items() if v is not None}


def _strs(value: Union[None, str, Iterable[str]]) -> Optional[List[str]]:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


_OUTPUT_KEYS = {"data_type": "dataType", "link_to_model_as": "linkToModelAs"}


def _order(field: str, direction: str, metadata: bool = False) -> JSONDict:
    """``order_by`` is created_at, updated_at, name or, on lists of things with metadata,
    "metadata.<key>" ("metadata.accuracy", "metadata.metrics.f1"): numbers sort as numbers and
    entities without the key come last."""
    d = _enum(direction, ("ASC", "DESC"), "direction")
    if metadata and str(field).startswith("metadata."):
        key = str(field)[len("metadata."):]
        if not key:
            raise ValueError('order_by "metadata." needs a key: "metadata.accuracy"')
        return {"field": "METADATA", "metadataKey": key, "direction": d}
    allowed = ("CREATED_AT", "UPDATED_AT", "NAME")
    if str(field).upper() not in allowed:
        more = ', or "metadata.<key>"' if metadata else ""
        raise ValueError(f"order_by must be one of {', '.join(a.lower() for a in allowed)}{more}, got {field!r}")
    return {"field": str(field).upper(), "direction": d}


_METADATA_OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "exists", "matches")


def _metadata_conditions(metadata: Optional[Mapping[str, Any]]) -> Optional[List[JSONDict]]:
    """``{"accuracy": {"gt": 0.9}, "framework": "sklearn"}`` → MetadataCondition inputs.

    A key is a top-level key or a dotted path ("metrics.f1"). Its value is a dict of operators
    (eq, ne, gt, gte, lt, lte, exists, matches; several mean AND) or any other value, which must be
    equal. To compare with an object, write ``{"eq": {...}}``.
    """
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f'metadata is a dict such as {{"accuracy": {{"gt": 0.9}}}}, got {type(metadata).__name__}')
    out: List[JSONDict] = []
    for key, condition in metadata.items():
        if not isinstance(condition, Mapping):
            out.append({"key": key, "eq": condition})
            continue
        if not condition:
            raise ValueError(f'metadata["{key}"] has no operator: use {", ".join(_METADATA_OPERATORS)}')
        for op, value in condition.items():
            if op not in _METADATA_OPERATORS:
                raise ValueError(f'metadata["{key}"]: unknown operator {op!r}, use {", ".join(_METADATA_OPERATORS)} '
                                 f'(to compare with an object, write {{"eq": {{...}}}})')
            if op in ("gt", "gte", "lt", "lte") and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f'metadata["{key}"]["{op}"] compares numbers, got {value!r}')
            out.append({"key": key, op: value})
    return out


_DELETED = ("EXCLUDE", "INCLUDE", "ONLY")


def _deleted(value: Optional[str]) -> Optional[str]:
    return None if value is None else _enum(value, _DELETED, "deleted")


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _id_type(value: str) -> Optional[str]:
    """The type of a global id of this server ("Model" for base64url("Model:<uuid>")); None for a name."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,100}", value):
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    kind, sep, rest = text.partition(":")
    return kind if sep and _UUID.fullmatch(rest) else None


def _id_of(what: Union[str, Mapping[str, Any]], verb: str) -> str:
    """An id, or the ``id`` of a dict a helper returned."""
    if isinstance(what, Mapping):
        if "id" not in what:
            raise ValueError(f"{verb} takes an id or a dict with an 'id', got a dict with {sorted(what)}")
        return str(what["id"])
    if isinstance(what, str) and _id_type(what):
        return what
    raise ValueError(f"{verb} takes an id or a dict with an 'id' (as get_model(), list_runs(), … return), got {what!r}")


class _Unset:
    def __repr__(self) -> str:
        return "unchanged"


_UNSET: Any = _Unset()


# --------------------------------------------------------------------------- client


class Client:
    """A connection to one ml-asset-graph server.

    ``url`` defaults to env ``MAG_URL`` then ``http://localhost:4000/graphql``; ``api_key`` to env
    ``MAG_API_KEY`` (sent as ``Authorization: Bearer <key>``); ``project`` to env ``MAG_PROJECT``:
    the project every helper works in unless given ``project=``.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, project: Optional[str] = None,
                 timeout: float = 30) -> None:
        self.url = url or os.environ.get("MAG_URL") or DEFAULT_URL
        self.api_key = api_key if api_key is not None else (os.environ.get("MAG_API_KEY") or None)
        self.project = project or os.environ.get("MAG_PROJECT") or None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Client(url={self.url!r}, api_key={'***' if self.api_key else None}, project={self.project!r})"

    # ----------------------------------------------------------------- raw

    def query(self, document: str, variables: Optional[Mapping[str, Any]] = None) -> JSONDict:
        """Runs a GraphQL document and returns its ``data``; raises on any error."""
        payload = {"query": document, "variables": dict(variables) if variables else {}}
        body = json.dumps(payload, default=_json_default).encode("utf-8")
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        status: Optional[int]
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:  # 4xx/5xx may still carry a GraphQL body
            status, text = err.code, err.read().decode("utf-8", "replace")
        except urllib.error.URLError as err:
            raise TransportError(f"cannot reach {self.url}: {err.reason}") from err
        except (socket.timeout, TimeoutError) as err:
            raise TransportError(f"no answer from {self.url} within {self.timeout}s") from err
        except OSError as err:
            raise TransportError(f"connection to {self.url} failed: {err}") from err
        try:
            result = json.loads(text)
        except ValueError:
            raise TransportError(f"{self.url} answered HTTP {status} with a body that is not JSON: {text[:200]!r}",
                                 status=status, body=text) from None
        if not isinstance(result, dict) or ("data" not in result and "errors" not in result):
            raise TransportError(f"{self.url} answered HTTP {status} with JSON that is not a GraphQL response",
                                 status=status, body=text)
        if result.get("errors"):
            raise _error_from(result["errors"], result.get("data"))
        if result.get("data") is None:
            raise TransportError(f"{self.url} answered HTTP {status} without data or errors", status=status, body=text)
        return result["data"]

    def _paginate(self, document: str, variables: Mapping[str, Any], path: Sequence[str],
                  page_size: int, limit: Optional[int]) -> Iterator[JSONDict]:
        """Follows pageInfo.endCursor of the connection found at ``path`` in the data."""
        if not 1 <= page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        after: Optional[str] = None
        yielded = 0
        while True:
            data: Any = self.query(document, {**variables, "first": page_size, "after": after})
            for key in path:
                data = data[key] if data is not None else None
            if data is None:  # project(name:) is null
                raise self._not_found(f'project "{variables.get("p")}"', str(variables.get("p")))
            for node in data["nodes"]:
                if limit is not None and yielded >= limit:
                    return
                yield node
                yielded += 1
            info = data["pageInfo"]
            if not info["hasNextPage"] or not info.get("endCursor"):
                return
            after = info["endCursor"]

    # ----------------------------------------------------------------- reads

    def _project(self, project: Optional[str]) -> str:
        p = project or self.project
        if not p:
            raise ValueError("no project: pass project=\"...\" or create the client with Client(project=\"...\")")
        return p

    def _not_found(self, what: str, project: str, model: Optional[str] = None, artifact: Optional[str] = None) -> NotFound:
        """A NotFound naming what is missing and, in one more request, what exists instead."""
        data = self.query(
            """query($p: String!, $m: String!, $a: String!, $hasModel: Boolean!, $hasArtifact: Boolean!) {
                 projects(first: 100) { nodes { name } }
                 project(name: $p) {
                   models(first: 100, orderBy: { field: NAME, direction: ASC }) @include(if: $hasModel) { nodes { name } }
                   artifacts(first: 100, orderBy: { field: NAME, direction: ASC }) @include(if: $hasArtifact) { nodes { name } }
                 }
                 model(project: $p, name: $m) @include(if: $hasModel) {
                   versions(first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { number name stage } } }
                 artifact(project: $p, name: $a) @include(if: $hasArtifact) {
                   versions(first: 100, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { version } } }
               }""",
            {"p": project, "m": model or "", "a": artifact or "", "hasModel": model is not None, "hasArtifact": artifact is not None})
        if data["project"] is None:
            message = f'project "{project}" not found {_listing([p["name"] for p in data["projects"]["nodes"]], "projects")}'
        elif model is not None and data.get("model") is None:
            message = f'project "{project}" has no model "{model}" {_listing([m["name"] for m in data["project"]["models"]["nodes"]], "models")}'
        elif model is not None:
            versions = data["model"]["versions"]["nodes"]
            held = [f'{v["stage"].lower()} → {v["number"]}' for v in versions if v["stage"] in ("PRODUCTION", "STAGING")]
            message = (f'model "{model}" has no version {what} in project "{project}" '
                       f'{_listing([str(v["number"]) + ("" if v["name"] == str(v["number"]) else " (" + v["name"] + ")") for v in versions], "versions")}'
                       f'{"; " + ", ".join(held) if held else "; no version is in production or staging"}')
        elif artifact is not None and data.get("artifact") is None:
            message = f'project "{project}" has no artifact "{artifact}" {_listing([a["name"] for a in data["project"]["artifacts"]["nodes"]], "artifacts")}'
        elif artifact is not None:
            message = (f'artifact "{artifact}" has no version {what} in project "{project}" '
                       f'{_listing([v["version"] for v in data["artifact"]["versions"]["nodes"]], "versions")}')
        else:
            message = f'{what} not found in project "{project}"'
        return NotFound(message, code="NOT_FOUND")

    def viewer(self) -> JSONDict:
        """Who the server thinks we are: ``{name, role, projects}``."""
        return self.query("{ viewer { name role projects } }")["viewer"]

    def node(self, id: str) -> Optional[JSONDict]:
        """Resolves any global id to ``{__typename, id}`` (None when unknown)."""
        return self.query("query($id: ID!) { node(id: $id) { __typename id } }", {"id": id})["node"]

    def get_project(self, name: Optional[str] = None) -> JSONDict:
        """The project called ``name`` (default: the client's project); raises NotFound."""
        name = self._project(name)
        p = self.query(f"query($n: String!) {{ project(name: $n) {{ {_PROJECT} }} }}", {"n": name})["project"]
        if p is None:
            raise self._not_found(f'project "{name}"', name)
        return p

    def get_artifact_version(self, name: str, version: Union[str, int] = "latest", *, project: Optional[str] = None) -> JSONDict:
        """One version of artifact ``name`` ("latest", a version string such as "2", or an exclusive tag
        such as "blessed" held by one of its versions); raises NotFound."""
        project = self._project(project)
        data = self.query(
            f"""query($p: String!, $a: String!, $v: String!) {{
                  artifactVersion(project: $p, artifact: $a, version: $v) {{
                    {_AV} consumedBy {{ id name run {{ name }} }} modelVersions {{ id number name stage model {{ name }} }} }} }}""",
            {"p": project, "a": name, "v": str(version)})
        av = data["artifactVersion"]
        if av is None:
            raise self._not_found(f'"{version}"', project, artifact=name)
        return av

    def get_model(self, name: str, *, project: Optional[str] = None) -> JSONDict:
        """The model ``name`` with its tags and latest version; raises NotFound."""
        project = self._project(project)
        m = self.query(f"query($p: String!, $n: String!) {{ model(project: $p, name: $n) {{ {_MODEL} }} }}",
                       {"p": project, "n": name})["model"]
        if m is None:
            raise self._not_found(f'model "{name}"', project, model=name)
        return m

    def get_model_version(self, model: str, version: Union[str, int] = "latest", *, project: Optional[str] = None) -> "ModelVersion":
        """A model version by number, name, "latest" (the default, as in the API), stage
        ("production", "staging") or alias (an exclusive tag such as "champion" held by one of its versions), with its linked artifacts (``artifacts``: kind, name,
        artifactVersion), runs and stage history; raises NotFound naming the versions there are."""
        project = self._project(project)
        data = self.query(
            f"""query($p: String!, $m: String!, $v: String!) {{
                  modelVersion(project: $p, model: $m, version: $v) {{ {_MV_FULL} stageHistory {{ from to at reason actor }} }} }}""",
            {"p": project, "m": model, "v": str(version)})
        mv = data["modelVersion"]
        if mv is None:
            raise self._not_found(f'"{version}"', project, model=model)
        return ModelVersion(self, mv)

    def model_version_artifacts(self, model_version_id: str, kind: Optional[str] = None) -> List[JSONDict]:
        """The artifacts linked to a model version (``kind`` DATA, MODEL or DEPLOYMENT, or all), each
        with its artifact version, metadata and the step, run, pipeline and stack that produced it:
        one request."""
        k = _enum(kind, ("DATA", "MODEL", "DEPLOYMENT"), "kind") if kind else None
        data = self.query(
            f"""query($id: ID!, $k: ModelArtifactKind) {{ node(id: $id) {{ __typename
                  ... on ModelVersion {{ artifacts(kind: $k) {{ {_LINKS} }} }} }} }}""", {"id": model_version_id, "k": k})
        node = data["node"]
        if node is None or node["__typename"] != "ModelVersion":
            raise NotFound(f'model version "{model_version_id}" not found', code="NOT_FOUND")
        return node["artifacts"]

    def get_run(self, name: str, *, project: Optional[str] = None) -> JSONDict:
        """A pipeline run by name, with its steps; raises NotFound."""
        project = self._project(project)
        r = self.query(f"""query($p: String!, $n: String!) {{ pipelineRun(project: $p, name: $n) {{
                             {_RUN} steps {{ {_STEP} }} }} }}""", {"p": project, "n": name})["pipelineRun"]
        if r is None:
            raise self._not_found(f'run "{name}"', project)
        return r

    def list_models(self, tags: Union[None, str, Iterable[str]] = None, *, project: Optional[str] = None,
                    name: Optional[str] = None, without_tags: Union[None, str, Iterable[str]] = None,
                    deleted: Optional[str] = None, order_by: str = "CREATED_AT", direction: str = "DESC",
                    page_size: int = 50, limit: Optional[int] = None) -> Iterator[JSONDict]:
        """Iterates over the project's models, fetching pages as needed.

        ``tags``: StringPredicates that must ALL be matched by some tag ("startswith:accuracy-9");
        ``without_tags``: none of the model's tags may match; ``name``: a StringPredicate;
        ``deleted``: "include" shows deleted models too, "only" the trash.
        """
        doc = f"""query($p: String!, $f: ListFilter, $o: ListOrder, $first: Int, $after: String) {{
                    project(name: $p) {{ models(filter: $f, orderBy: $o, first: $first, after: $after) {{
                      nodes {{ {_MODEL} }} {_PAGE} }} }} }}"""
        variables = {"p": self._project(project), "f": _compact({"name": name, "tags": _strs(tags), "withoutTags": _strs(without_tags),
                                                                "deleted": _deleted(deleted)}),
                     "o": _order(order_by, direction)}
        return self._paginate(doc, variables, ("project", "models"), page_size, limit)

    def list_model_versions(self, model: Optional[str] = None, *, project: Optional[str] = None,
                            stage: Optional[str] = None, tags: Union[None, str, Iterable[str]] = None,
                            metadata: Optional[Mapping[str, Any]] = None, deleted: Optional[str] = None,
                            with_artifacts: bool = False, order_by: str = "CREATED_AT", direction: str = "DESC",
                            page_size: int = 50, limit: Optional[int] = None) -> Iterator[JSONDict]:
        """Iterates over model versions of the project (``model`` is a StringPredicate on the model's
        name). Each carries its stage, metadata and tags; ``with_artifacts=True`` adds the linked
        artifacts with their metadata, in the same request. ``model_version_table()`` turns them into
        flat rows.

        ``metadata={"accuracy": {"gt": 0.9}}``: conditions on metadata, all of which must hold (see
        the README); ``order_by="metadata.accuracy"`` sorts by a metadata value (missing last);
        ``deleted``: "include" or "only"."""
        links = f"artifacts {{ kind name artifactVersion {{ id version uri metadata artifact {{ name }} }} }}" if with_artifacts else ""
        doc = f"""query($p: String!, $f: ModelVersionFilter, $o: ListOrder, $first: Int, $after: String) {{
                    project(name: $p) {{ modelVersions(filter: $f, orderBy: $o, first: $first, after: $after) {{
                      nodes {{ {_MV} {links} }} {_PAGE} }} }} }}"""
        f = _compact({"model": model, "tags": _strs(tags),
                      "stage": _enum(stage, _STAGES, "stage") if stage else None,
                      "metadata": _metadata_conditions(metadata), "deleted": _deleted(deleted)})
        variables = {"p": self._project(project), "f": f, "o": _order(order_by, direction, metadata=True)}
        return self._paginate(doc, variables, ("project", "modelVersions"), page_size, limit)

    def model_version_table(self, model: Optional[str] = None, *, project: Optional[str] = None,
                            stage: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None,
                            order_by: str = "CREATED_AT", direction: str = "ASC",
                            limit: Optional[int] = None) -> List[JSONDict]:
        """Flat rows for a table of model versions: model, number, name, stage, created_at, tags, then
        every metadata key of the version and, prefixed with the link name, of its linked artifacts
        ("trained_model.accuracy"). One request per 100 versions; ``pandas.DataFrame(rows)`` works."""
        rows = []
        for v in self.list_model_versions(model, project=project, stage=stage, metadata=metadata, with_artifacts=True,
                                          order_by=order_by, direction=direction, page_size=100, limit=limit):
            row: JSONDict = {"model": v["model"]["name"], "number": v["number"], "name": v["name"],
                             "stage": v["stage"], "created_at": v["createdAt"], "tags": [t["name"] for t in v["tags"]]}
            row.update(v["metadata"] or {})
            for link in v["artifacts"]:
                for key, value in (link["artifactVersion"]["metadata"] or {}).items():
                    row[f'{link["name"]}.{key}'] = value
            rows.append(row)
        return rows

    def list_artifact_versions(self, artifact: Optional[str] = None, *, project: Optional[str] = None,
                               tags: Union[None, str, Iterable[str]] = None, type: Optional[str] = None,
                               metadata: Optional[Mapping[str, Any]] = None, deleted: Optional[str] = None,
                               order_by: str = "CREATED_AT", direction: str = "DESC",
                               page_size: int = 50, limit: Optional[int] = None) -> Iterator[JSONDict]:
        """Iterates over artifact versions (``artifact`` is a StringPredicate on the artifact's name).
        ``metadata``, ``order_by="metadata.<key>"`` and ``deleted`` as in :meth:`list_model_versions`."""
        doc = f"""query($p: String!, $f: ArtifactVersionFilter, $o: ListOrder, $first: Int, $after: String) {{
                    project(name: $p) {{ artifactVersions(filter: $f, orderBy: $o, first: $first, after: $after) {{
                      nodes {{ {_AV} }} {_PAGE} }} }} }}"""
        f = _compact({"artifact": artifact, "tags": _strs(tags),
                      "type": _enum(type, _ARTIFACT_TYPES, "type") if type else None,
                      "metadata": _metadata_conditions(metadata), "deleted": _deleted(deleted)})
        variables = {"p": self._project(project), "f": f, "o": _order(order_by, direction, metadata=True)}
        return self._paginate(doc, variables, ("project", "artifactVersions"), page_size, limit)

    def list_runs(self, *, project: Optional[str] = None, pipeline: Optional[str] = None, status: Optional[str] = None,
                  tags: Union[None, str, Iterable[str]] = None, stack: Optional[str] = None,
                  metadata: Optional[Mapping[str, Any]] = None, deleted: Optional[str] = None,
                  order_by: str = "CREATED_AT", direction: str = "DESC",
                  page_size: int = 50, limit: Optional[int] = None) -> Iterator[JSONDict]:
        """Iterates over pipeline runs of the project. ``metadata``, ``order_by="metadata.<key>"`` and
        ``deleted`` as in :meth:`list_model_versions`."""
        doc = f"""query($p: String!, $f: RunFilter, $o: ListOrder, $first: Int, $after: String) {{
                    project(name: $p) {{ runs(filter: $f, orderBy: $o, first: $first, after: $after) {{
                      nodes {{ {_RUN} }} {_PAGE} }} }} }}"""
        f = _compact({"pipeline": pipeline, "status": _enum(status, _RUN_STATUSES, "status") if status else None,
                      "tags": _strs(tags), "stack": stack,
                      "metadata": _metadata_conditions(metadata), "deleted": _deleted(deleted)})
        variables = {"p": self._project(project), "f": f, "o": _order(order_by, direction, metadata=True)}
        return self._paginate(doc, variables, ("project", "runs"), page_size, limit)

    def lineage(self, of: str, direction: str = "BOTH", depth: int = 10, limit: int = 1000) -> "Lineage":
        """The lineage graph around an ArtifactVersion, StepRun, PipelineRun or ModelVersion id:
        ``{roots, nodes, edges, truncated}``. Every node has a readable ``label``
        ("processed_features:1", "feature_engineering/feature_engineering_run_1/engineer_features"),
        every edge ``source_label`` and ``target_label``; see :class:`Lineage` for
        ``to_networkx()`` and ``to_dataframe()``."""
        return Lineage(self.query(
            f"""query($of: ID!, $d: LineageDirection!, $depth: Int!, $limit: Int!) {{
                  lineage(of: $of, direction: $d, depth: $depth, limit: $limit) {{ {_LINEAGE} }} }}""",
            {"of": of, "d": _enum(direction, ("UPSTREAM", "DOWNSTREAM", "BOTH"), "direction"),
             "depth": depth, "limit": limit})["lineage"])

    # ----------------------------------------------------------------- writes

    def create_project(self, name: str, display_name: Optional[str] = None,
                       description: Optional[str] = None) -> JSONDict:
        """Creates a project; raises Conflict when the name is taken."""
        return self.query(
            f"mutation($i: CreateProjectInput!) {{ createProject(input: $i) {{ {_PROJECT} }} }}",
            {"i": _compact({"name": name, "displayName": display_name, "description": description})})["createProject"]

    def create_pipeline(self, name: str, description: Optional[str] = None,
                        tags: Union[None, TagSpec, Iterable[TagSpec]] = None, *, project: Optional[str] = None) -> JSONDict:
        """Creates a pipeline (start_run also creates it on first use)."""
        return self.query(
            f"mutation($i: CreatePipelineInput!) {{ createPipeline(input: $i) {{ id name description tags {{ {_TAG} }} }} }}",
            {"i": _compact({"project": self._project(project), "name": name, "description": description, "tags": _tag_inputs(tags)})}
        )["createPipeline"]

    def start_run(self, pipeline: str, name: Optional[str] = None, *, project: Optional[str] = None,
                  tags: Union[None, TagSpec, Iterable[TagSpec]] = None, config: Any = None,
                  stack: Optional[str] = None, model: Union[None, str, Mapping[str, Any]] = None) -> JSONDict:
        """Starts a RUNNING run. ``model``: a model name (a new version is made for the run) or
        ``{"name":…, "version":…}`` / ``{"name":…, "createVersion": True}``."""
        if isinstance(model, str):
            model = {"name": model}
        elif model is not None:
            model = _compact({"name": model["name"], "version": None if model.get("version") is None else str(model["version"]),
                              "createVersion": model.get("createVersion", model.get("create_version"))})
        i = _compact({"project": self._project(project), "pipeline": pipeline, "name": name, "tags": _tag_inputs(tags),
                      "config": config, "stack": stack, "model": model})
        return self.query(f"mutation($i: StartRunInput!) {{ startRun(input: $i) {{ {_RUN} }} }}", {"i": i})["startRun"]

    def record_step(self, run_id: str, name: str, status: str = "COMPLETED", *,
                    inputs: Union[None, Mapping[str, str], Iterable[Mapping[str, str]]] = None,
                    outputs: Optional[Iterable[Mapping[str, Any]]] = None, metadata: Optional[Mapping[str, Any]] = None,
                    started_at: Union[None, str, _dt.datetime] = None,
                    ended_at: Union[None, str, _dt.datetime] = None) -> JSONDict:
        """Records one step of a run.

        ``inputs``: ``{"input_name": artifact_version_id}``; ``outputs``: dicts with ``name`` and
        ``artifact`` plus optional version, type, uri, data_type, tags, metadata, link_to_model_as.
        Returns the step with its inputs and outputs (``outputs[i].artifactVersion``).
        """
        if isinstance(inputs, Mapping):
            input_refs = [{"name": k, "artifactVersion": v} for k, v in inputs.items()]
        else:
            input_refs = [dict(x) for x in inputs] if inputs is not None else None
        output_inputs = None
        if outputs is not None:
            output_inputs = []
            for o in outputs:
                d = {_OUTPUT_KEYS.get(k, k): v for k, v in o.items()}
                if "tags" in d:
                    d["tags"] = _tag_inputs(d["tags"])
                for k in ("type", "linkToModelAs"):
                    if d.get(k):
                        d[k] = str(d[k]).upper()
                if d.get("version") is not None:
                    d["version"] = str(d["version"])
                output_inputs.append(_compact(d))
        i = _compact({"run": run_id, "name": name, "status": status.upper(), "inputs": input_refs,
                      "outputs": output_inputs, "metadata": metadata,
                      "startedAt": _time(started_at), "endedAt": _time(ended_at)})
        return self.query(f"mutation($i: RecordStepInput!) {{ recordStep(input: $i) {{ {_STEP} }} }}", {"i": i})["recordStep"]

    def finish_run(self, run_id: str, status: str = "COMPLETED") -> JSONDict:
        """Sets a run's final status (COMPLETED, FAILED, …)."""
        return self.query(f"mutation($r: ID!, $s: RunStatus!) {{ finishRun(run: $r, status: $s) {{ {_RUN} }} }}",
                          {"r": run_id, "s": _enum(status, _RUN_STATUSES, "status")})["finishRun"]

    def register_artifact_version(self, artifact: str, version: Union[None, str, int] = None, *,
                                  project: Optional[str] = None, type: Optional[str] = None, uri: Optional[str] = None, data_type: Optional[str] = None,
                                  tags: Union[None, TagSpec, Iterable[TagSpec]] = None,
                                  metadata: Optional[Mapping[str, Any]] = None) -> JSONDict:
        """Registers a version of ``artifact`` outside any run ("1", "2", … unless ``version`` is given)."""
        i = _compact({"project": self._project(project), "artifact": artifact, "version": None if version is None else str(version),
                      "type": _enum(type, _ARTIFACT_TYPES, "type") if type else None, "uri": uri, "dataType": data_type,
                      "tags": _tag_inputs(tags), "metadata": metadata})
        return self.query(f"mutation($i: RegisterArtifactVersionInput!) {{ registerArtifactVersion(input: $i) {{ {_AV} }} }}",
                          {"i": i})["registerArtifactVersion"]

    def create_model(self, name: str, description: Optional[str] = None, license: Optional[str] = None,
                     tags: Union[None, TagSpec, Iterable[TagSpec]] = None, *, project: Optional[str] = None) -> JSONDict:
        """Creates a model; raises Conflict when the name is taken."""
        i = _compact({"project": self._project(project), "name": name, "description": description, "license": license,
                      "tags": _tag_inputs(tags)})
        return self.query(f"mutation($i: CreateModelInput!) {{ createModel(input: $i) {{ {_MODEL} }} }}", {"i": i})["createModel"]

    def create_model_version(self, model: str, name: Optional[str] = None, *, project: Optional[str] = None,
                             description: Optional[str] = None, tags: Union[None, TagSpec, Iterable[TagSpec]] = None,
                             metadata: Optional[Mapping[str, Any]] = None) -> JSONDict:
        """Creates the next version of ``model`` (the model is created on first use)."""
        i = _compact({"project": self._project(project), "model": model, "name": name, "description": description,
                      "tags": _tag_inputs(tags), "metadata": metadata})
        return self.query(f"mutation($i: CreateModelVersionInput!) {{ createModelVersion(input: $i) {{ {_MV} }} }}",
                          {"i": i})["createModelVersion"]

    def link_artifact(self, model_version_id: str, artifact_version_id: str, kind: str = "DATA",
                      name: Optional[str] = None) -> JSONDict:
        """Links an artifact version to a model version as DATA, MODEL or DEPLOYMENT under ``name``
        (default: the kind in lower case); returns the model version with its links."""
        kind = _enum(kind, ("DATA", "MODEL", "DEPLOYMENT"), "kind")
        i = {"modelVersion": model_version_id, "artifactVersion": artifact_version_id, "kind": kind,
             "name": name or kind.lower()}
        return self.query(f"mutation($i: LinkArtifactInput!) {{ linkArtifact(input: $i) {{ {_MV_FULL} }} }}",
                          {"i": i})["linkArtifact"]

    def promote(self, model_version_id: str, stage: str, force: bool = False, reason: Optional[str] = None) -> JSONDict:
        """Moves a model version to ``stage``; returns ``{modelVersion, demoted}``.

        Without ``force=True`` a stage held by another version raises Conflict (code "CONFLICT");
        with it the holder is archived and listed in ``demoted``.
        """
        i = _compact({"modelVersion": model_version_id, "stage": _enum(stage, _STAGES, "stage"),
                      "force": bool(force), "reason": reason})
        return self.query(
            f"""mutation($i: PromoteModelVersionInput!) {{ promoteModelVersion(input: $i) {{
                  modelVersion {{ {_MV} stageHistory {{ from to at reason actor }} }} demoted {{ {_MV} }} }} }}""",
            {"i": i})["promoteModelVersion"]

    def add_tags(self, resource_id: str, tags: Union[TagSpec, Iterable[TagSpec]]) -> JSONDict:
        """Tags any taggable entity. ``tags``: names, or dicts ``{"name", "exclusive", "cascade"}``.
        Returns ``{__typename, id, tags}``."""
        return self.query(
            f"mutation($r: ID!, $t: [TagInput!]!) {{ addTags(resource: $r, tags: $t) {{ __typename id tags {{ {_TAG} }} }} }}",
            {"r": resource_id, "t": _tag_inputs(tags)})["addTags"]

    def remove_tags(self, resource_id: str, tags: Union[TagSpec, Iterable[TagSpec]]) -> JSONDict:
        """Removes tags (by name) from an entity; returns ``{__typename, id, tags}``."""
        return self.query(
            f"mutation($r: ID!, $t: [String!]!) {{ removeTags(resource: $r, tags: $t) {{ __typename id tags {{ {_TAG} }} }} }}",
            {"r": resource_id, "t": _tag_names(tags)})["removeTags"]

    def create_tag(self, name: str, color: Optional[str] = None, exclusive: bool = False, *,
                   project: Optional[str] = None) -> JSONDict:
        """Creates a tag explicitly (tags are otherwise created on first use)."""
        return self.query(
            "mutation($i: CreateTagInput!) { createTag(input: $i) { id name color exclusive usageCount } }",
            {"i": _compact({"project": self._project(project), "name": name, "color": color, "exclusive": exclusive})})["createTag"]

    def get_tag(self, name: str, *, project: Optional[str] = None) -> JSONDict:
        """A tag with its usage count; raises NotFound."""
        project = self._project(project)
        t = self.query("query($p: String!, $n: String!) { tag(project: $p, name: $n) { id name color exclusive usageCount } }",
                       {"p": project, "n": name})["tag"]
        if t is None:
            raise NotFound(f'tag "{name}" not found in project "{project}"', code="NOT_FOUND")
        return t

    def delete_tag(self, tag_id: str, force: bool = False) -> str:
        """Deletes a tag; raises Conflict while it is in use unless ``force=True``."""
        return self.query("mutation($id: ID!, $f: Boolean) { deleteTag(id: $id, force: $f) }",
                          {"id": tag_id, "f": force})["deleteTag"]

    def log_metadata(self, resource_id: str, metadata: Mapping[str, Any]) -> JSONDict:
        """Merges keys into the metadata of a run, step run, artifact version or model version;
        returns ``{__typename, id, metadata}``."""
        return self.query(
            """mutation($r: ID!, $m: JSON!) { logMetadata(resource: $r, metadata: $m) {
                 __typename id
                 ... on PipelineRun { metadata } ... on StepRun { metadata }
                 ... on ArtifactVersion { metadata } ... on ModelVersion { metadata } } }""",
            {"r": resource_id, "m": dict(metadata)})["logMetadata"]

    def create_api_key(self, name: str, role: str = "VIEWER", projects: Optional[Iterable[str]] = None) -> JSONDict:
        """Creates an api key (ADMIN only); returns ``{apiKey, secret}`` — the secret is shown once."""
        i = _compact({"name": name, "role": _enum(role, ("VIEWER", "EDITOR", "ADMIN"), "role"),
                      "projects": list(projects) if projects is not None else None})
        return self.query("mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id name role projects } secret } }",
                          {"i": i})["createApiKey"]

    # ----------------------------------------------------------------- edits, delete, restore

    def _resolve(self, ref: Union[str, Mapping[str, Any]], kind: str, project: Optional[str], lookup: str,
                 what: str, **not_found: str) -> str:
        """The id of ``ref``: an id of ``kind``, a dict with an ``id``, or a name looked up in the project."""
        if isinstance(ref, Mapping):
            return _id_of(ref, what)
        given = _id_type(ref)
        if given == kind:
            return ref
        if given is not None:
            raise ValueError(f"expected the name or id of a {kind}, got the id of a {given}")
        p = self._project(project)
        found = self.query(f"query($p: String!, $n: String!) {{ {lookup}(project: $p, name: $n) {{ id }} }}", {"p": p, "n": ref})[lookup]
        if found is None:
            raise self._not_found(f'{what} "{ref}"', p, **not_found)
        return found["id"]

    def update_project(self, project: Optional[str] = None, *, display_name: Any = _UNSET,
                       description: Any = _UNSET) -> JSONDict:
        """Changes a project's display name or description (its name stays: api keys name projects).
        ``project``: a name (default: the client's project) or id. Leave a field out to keep it;
        ``None`` clears it."""
        if project is not None and _id_type(project) == "Project":
            pid = project
        else:
            pid = self.get_project(project)["id"]
        i = {"id": pid, **{k: v for k, v in (("displayName", display_name), ("description", description)) if v is not _UNSET}}
        return self.query(f"mutation($i: UpdateProjectInput!) {{ updateProject(input: $i) {{ {_PROJECT} }} }}", {"i": i})["updateProject"]

    def update_pipeline(self, pipeline: Union[str, Mapping[str, Any]], *, name: Optional[str] = None,
                        description: Any = _UNSET, project: Optional[str] = None) -> JSONDict:
        """Renames or re-describes a pipeline (by name or id); its runs stay with it. A taken name
        raises Conflict; ``description=None`` clears the description."""
        i = {"id": self._resolve(pipeline, "Pipeline", project, "pipeline", "pipeline"),
             **_compact({"name": name}), **({} if description is _UNSET else {"description": description})}
        return self.query(
            f"""mutation($i: UpdatePipelineInput!) {{ updatePipeline(input: $i) {{
                  id name description createdAt updatedAt deletedAt tags {{ {_TAG} }} }} }}""", {"i": i})["updatePipeline"]

    def update_artifact(self, artifact: Union[str, Mapping[str, Any]], *, name: str,
                        project: Optional[str] = None) -> JSONDict:
        """Renames an artifact (by name or id); its versions, links and lineage stay."""
        a = self._resolve(artifact, "Artifact", project, "artifact", "artifact", artifact=str(artifact))
        return self.query("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { id name createdAt updatedAt deletedAt } }",
                          {"i": {"id": a, "name": name}})["updateArtifact"]

    def update_model(self, model: Union[str, Mapping[str, Any]], *, name: Optional[str] = None,
                     description: Any = _UNSET, license: Any = _UNSET, project: Optional[str] = None) -> JSONDict:
        """Renames a model or changes its description or license; versions, stages and links stay.
        ``None`` clears a text field; a taken name raises Conflict."""
        m = self._resolve(model, "Model", project, "model", "model", model=str(model))
        i = {"id": m, **_compact({"name": name}),
             **{k: v for k, v in (("description", description), ("license", license)) if v is not _UNSET}}
        return self.query(f"mutation($i: UpdateModelInput!) {{ updateModel(input: $i) {{ {_MODEL} }} }}", {"i": i})["updateModel"]

    def update_model_version(self, model: Union[str, Mapping[str, Any]], version: Union[None, str, int] = None, *,
                             name: Optional[str] = None, description: Any = _UNSET,
                             project: Optional[str] = None) -> JSONDict:
        """Renames or re-describes a model version: ``model`` and ``version`` (number, name, "latest"
        or a stage), or a model version id alone. Its number, stage and links stay."""
        if isinstance(model, Mapping) or _id_type(str(model)) == "ModelVersion":
            if version is not None:
                raise ValueError("pass a model version id, or a model name and a version, not both")
            mv = _id_of(model, "update_model_version")
        elif version is None:
            raise ValueError(f'which version of "{model}"? pass version= (a number, a name, "latest" or a stage)')
        else:
            mv = self.get_model_version(str(model), version, project=project)["id"]
        i = {"id": mv, **_compact({"name": name}), **({} if description is _UNSET else {"description": description})}
        return self.query(f"mutation($i: UpdateModelVersionInput!) {{ updateModelVersion(input: $i) {{ {_MV} }} }}",
                          {"i": i})["updateModelVersion"]

    def delete(self, what: Union[str, Mapping[str, Any]], *, force: bool = False, reason: Optional[str] = None) -> List[str]:
        """Soft-deletes a pipeline, run, artifact, artifact version, model or model version, given by
        id or as a dict a helper returned, with what it owns (a pipeline's runs, an artifact's
        versions, a model's versions), in one transaction. Returns every id it marked, the given one
        first. Deleted entities leave lists and lookups by name and free their name; lists show them
        with ``deleted="include"`` or ``"only"``, :meth:`restore` brings them back.

        A model version in STAGING or PRODUCTION (or anything holding a protected tag) raises
        Conflict unless ``force=True``.
        """
        i = _compact({"id": _id_of(what, "delete"), "force": bool(force), "reason": reason})
        return self.query("mutation($i: DeleteInput!) { delete(input: $i) { deleted } }", {"i": i})["delete"]["deleted"]

    def restore(self, what: Union[str, Mapping[str, Any]]) -> JSONDict:
        """Brings back a deleted entity with exactly what its deletion took along; returns it as
        ``{__typename, id, name, …}``. Raises Conflict when its name was taken again meanwhile."""
        return self.query(
            """mutation($id: ID!) { restore(id: $id) { __typename id
                 ... on Pipeline { name deletedAt } ... on PipelineRun { name deletedAt }
                 ... on Artifact { name deletedAt } ... on ArtifactVersion { version artifact { name } deletedAt }
                 ... on Model { name deletedAt } ... on ModelVersion { number name stage model { name } deletedAt } } }""",
            {"id": _id_of(what, "restore")})["restore"]

    # ----------------------------------------------------------------- purge and retention

    def purge(self, *, project: Optional[str] = None, deleted_before: Union[None, str, _dt.datetime] = None,
              artifact: Optional[str] = None, keep_latest: Optional[int] = None,
              older_than: Union[None, str, _dt.datetime] = None, dry_run: bool = True) -> JSONDict:
        """Removes for good what was deleted before ``deleted_before`` (default: now), with what it
        owns. With ``artifact`` (a StringPredicate on artifact names, e.g. ``"startswith:raw"``) and
        ``keep_latest``, also the versions of each matching artifact past the newest ``keep_latest``
        (only those created before ``older_than`` when given), except versions linked to a model
        version, holding an exclusive or protected tag, or read by a step of a run that stays.
        ADMIN keys only (Forbidden otherwise).

        ``dry_run`` is True by default: nothing changes, and the answer lists what would go.
        Returns ``{"dryRun", "removed": [ids, parents first], "count"}``; the real run removes
        exactly the list a dry run shows, in one transaction.
        """
        if (artifact is None) != (keep_latest is None):
            raise ValueError("a retention rule needs both artifact= and keep_latest=")
        if older_than is not None and artifact is None:
            raise ValueError("older_than= belongs to a retention rule: pass artifact= and keep_latest= too")
        retention = None if artifact is None else _compact({"artifact": artifact, "keepLatest": keep_latest, "olderThan": _time(older_than)})
        i = _compact({"project": self._project(project), "deletedBefore": _time(deleted_before), "retention": retention,
                      "dryRun": bool(dry_run)})
        return self.query("mutation($i: PurgeInput!) { purge(input: $i) { dryRun removed count } }", {"i": i})["purge"]

    # ----------------------------------------------------------------- the change log

    def _event_filter(self, kinds: Union[None, str, Iterable[str]], projects: Union[None, str, Iterable[str]],
                      subject: Union[None, str, Mapping[str, Any]]) -> JSONDict:
        if projects is None:
            names = [self.project] if self.project else None
        elif projects == "*":
            names = None
        else:
            names = _strs(projects)
        return _compact({"kinds": [_enum(k, _EVENT_KINDS, "kind") for k in _strs(kinds)] if kinds is not None else None,
                         "projects": names, "subject": _id_of(subject, "subject") if subject is not None else None})

    def events(self, kinds: Union[None, str, Iterable[str]] = None, *, projects: Union[None, str, Iterable[str]] = None,
               subject: Union[None, str, Mapping[str, Any]] = None, after: Union[None, int, str] = None,
               first: int = 100) -> "EventPage":
        """One page of the change log, oldest first: the ``first`` events after sequence ``after``
        (default: from the beginning). Returns an :class:`EventPage`, a list of :class:`Event` with
        ``has_next_page`` and ``next_after`` (pass it as ``after`` for the next page).

        ``kinds``: "STAGE_CHANGED" or a list of kinds; ``projects``: a name or a list (default: the
        client's project, or every project the api key sees when the client has none; "*" for every
        one); ``subject``: an id (or a dict a helper returned): events about that entity and, for a
        project, pipeline, run, artifact or model, about what it contains.
        """
        if not 1 <= first <= 1000:
            raise ValueError("first must be between 1 and 1000")
        data = self.query(
            f"""query($f: EventFilter, $first: Int, $after: String) {{ events(filter: $f, first: $first, after: $after) {{
                  nodes {{ {_EVENT} }} pageInfo {{ hasNextPage }} }} }}""",
            {"f": self._event_filter(kinds, projects, subject), "first": first, "after": None if after is None else str(after)})["events"]
        events = [Event._from(n) for n in data["nodes"]]
        start = int(after) if after is not None and str(after).isdigit() else 0
        return EventPage(events, has_next_page=data["pageInfo"]["hasNextPage"],
                         next_after=events[-1].sequence if events else start)

    def last_event_sequence(self) -> int:
        """The sequence of the newest event in the change log now (0 when it is empty), one request
        (``latestEventSequence``). Server-wide: the same number for every api key, whose events
        may be older. Read it before what you load, then pass it as ``after`` to :meth:`watch` or
        :meth:`events`: whatever commits after that read is handed out, nothing falls in between."""
        return int(self.query("{ latestEventSequence }")["latestEventSequence"])

    def watch(self, kinds: Union[None, str, Iterable[str]] = None, *, projects: Union[None, str, Iterable[str]] = None,
              subject: Union[None, str, Mapping[str, Any]] = None, after: Union[None, int, str] = None,
              poll_interval: float = 1.0, timeout: Optional[float] = None,
              until: Optional[Callable[["Event"], bool]] = None, limit: Optional[int] = None,
              page_size: int = 100) -> Iterator["Event"]:
        """Yields events as they are committed, by polling the change log with ``after``.

        Starts after the newest event now (:meth:`last_event_sequence`), or after ``after`` to
        resume where an earlier watch stopped (``event.sequence``; 0 replays everything): nothing is
        missed or repeated. Waits ``poll_interval`` seconds between polls that find nothing new.
        Stops after ``timeout`` seconds, after ``limit`` events, or after yielding the first event
        for which ``until(event)`` is true; otherwise runs until you ``break``. Filters as in
        :meth:`events`. Errors of the server or the network are raised, not retried: resume with
        ``after=`` the last sequence you handled.
        """
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive (seconds)")
        deadline = None if timeout is None else time.monotonic() + timeout
        position: Union[int, str] = self.last_event_sequence() if after is None else after
        seen = 0
        while True:
            page = self.events(kinds, projects=projects, subject=subject, after=position, first=page_size)
            for event in page:
                yield event
                position = event.sequence
                seen += 1
                if (limit is not None and seen >= limit) or (until is not None and until(event)):
                    return
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return
            if not page.has_next_page:
                time.sleep(poll_interval if remaining is None else min(poll_interval, remaining))


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --------------------------------------------------------------------------- results with methods


class ModelVersion(dict):
    """A model version as returned by :meth:`Client.get_model_version`: the GraphQL dict, plus
    helpers that ask the server about this version (each one request)."""

    def __init__(self, client: Client, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self._client = client

    def __repr__(self) -> str:
        return f"<ModelVersion {self['model']['name']} {self['number']} ({self['stage'].lower()}) {self['id']}>"

    def artifacts_of(self, kind: str) -> List[JSONDict]:
        """Linked artifacts of one kind (DATA, MODEL, DEPLOYMENT), each with its artifact version,
        metadata and the step, run, pipeline and stack that produced it."""
        return self._client.model_version_artifacts(self["id"], kind)

    def training_data(self) -> List[JSONDict]:
        """What this version was trained on: its DATA artifacts and the runs that produced them."""
        return self.artifacts_of("DATA")

    def model_artifacts(self) -> List[JSONDict]:
        """Its MODEL artifacts (the trained weights) and the runs that produced them."""
        return self.artifacts_of("MODEL")

    def lineage(self, direction: str = "UPSTREAM", depth: int = 10, limit: int = 1000) -> "Lineage":
        """Everything this version was made from (or, DOWNSTREAM, everything made from it)."""
        return self._client.lineage(self["id"], direction=direction, depth=depth, limit=limit)


def _label(node: Mapping[str, Any]) -> str:
    if node.get("__typename") == "ArtifactVersion":
        return f'{node["artifact"]["name"]}:{node["version"]}'
    if node.get("__typename") == "StepRun":
        run = node.get("run") or {}
        pipeline = (run.get("pipeline") or {}).get("name", "?")
        return f'{pipeline}/{run.get("name", "?")}/{node["name"]}'
    return str(node.get("id"))


class Lineage(dict):
    """A lineage graph: ``roots``, ``nodes``, ``edges``, ``truncated`` as the API returns them, with
    a readable ``label`` on every node ("artifact:version", "pipeline/run/step") and
    ``source_label``/``target_label`` on every edge."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        labels = {}
        for node in self["nodes"]:
            node["label"] = _label(node)
            labels[node["id"]] = node["label"]
        for edge in self["edges"]:
            edge["source_label"] = labels.get(edge["source"], edge["source"])
            edge["target_label"] = labels.get(edge["target"], edge["target"])

    def labels(self, typename: Optional[str] = None) -> List[str]:
        """Sorted labels of the nodes (of one ``__typename``, e.g. "ArtifactVersion", if given)."""
        return sorted(n["label"] for n in self["nodes"] if typename is None or n["__typename"] == typename)

    def edge_lines(self) -> List[str]:
        """One line per edge, sorted: "processed_features:1 -[INPUT features]-> fraud_detection_training/…"."""
        return sorted(f'{e["source_label"]} -[{e["kind"]} {e["name"]}]-> {e["target_label"]}' for e in self["edges"])

    def __str__(self) -> str:
        head = f'{len(self["nodes"])} nodes, {len(self["edges"])} edges{" (truncated)" if self["truncated"] else ""}'
        return "\n".join([head, *self.edge_lines()])

    def to_networkx(self) -> Any:
        """A ``networkx.DiGraph`` keyed by label, with the API's fields as node and edge attributes.
        Needs networkx (``pip install networkx``); the client itself does not."""
        try:
            import networkx  # type: ignore
        except ImportError:
            raise ImportError("Lineage.to_networkx() needs networkx: pip install networkx") from None
        graph = networkx.DiGraph()
        for n in self["nodes"]:
            graph.add_node(n["label"], **{k: v for k, v in n.items() if k != "label"})
        for e in self["edges"]:
            graph.add_edge(e["source_label"], e["target_label"], kind=e["kind"], name=e["name"])
        return graph

    def to_dataframe(self) -> Any:
        """A ``pandas.DataFrame`` of the edges: source, kind, name, target (labels), source_id, target_id.
        Needs pandas (``pip install pandas``); the client itself does not."""
        try:
            import pandas  # type: ignore
        except ImportError:
            raise ImportError("Lineage.to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame([{"source": e["source_label"], "kind": e["kind"], "name": e["name"],
                                  "target": e["target_label"], "source_id": e["source"], "target_id": e["target"]}
                                 for e in sorted(self["edges"], key=lambda e: (e["source_label"], e["target_label"]))])


def _parse_time(value: str) -> _dt.datetime:
    # fromisoformat before Python 3.11 does not read a trailing "Z".
    return _dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)


@dataclasses.dataclass(frozen=True)
class Event:
    """One change from the change log (:meth:`Client.events`, :meth:`Client.watch`).

    ``sequence`` increases with every event of the server (resume with ``after=event.sequence``);
    ``kind`` is e.g. "STAGE_CHANGED"; ``at`` a timezone-aware datetime; ``actor`` the api key's name
    (or "anonymous"); ``subject_id`` the id of the entity it is about, ``subject_type`` that
    entity's type ("ModelVersion"); ``data`` what the kind records (STAGE_CHANGED: from, to,
    reason); ``project`` the project's name (None for server-wide events).
    """

    sequence: int
    kind: str
    at: _dt.datetime
    actor: str
    subject_id: str
    data: Dict[str, Any]
    project: Optional[str] = None
    id: str = ""

    @classmethod
    def _from(cls, node: Mapping[str, Any]) -> "Event":
        return cls(sequence=int(node["sequence"]), kind=node["kind"], at=_parse_time(node["at"]), actor=node["actor"],
                   subject_id=node["subjectId"], data=node["data"] or {}, project=(node.get("project") or {}).get("name"),
                   id=node["id"])

    @property
    def subject_type(self) -> Optional[str]:
        return _id_type(self.subject_id)

    def __str__(self) -> str:
        return f"{self.sequence} {self.kind} {self.subject_type} by {self.actor}: {json.dumps(self.data, sort_keys=True)}"


class EventPage(List[Event]):
    """A page of :meth:`Client.events`: the events, oldest first, plus ``has_next_page`` and
    ``next_after``, the sequence to pass as ``after`` for the next page."""

    def __init__(self, events: Iterable[Event], has_next_page: bool, next_after: int) -> None:
        super().__init__(events)
        self.has_next_page = has_next_page
        self.next_after = next_after
