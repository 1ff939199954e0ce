"""Tests of ml_asset_graph.py against a live server.

    MAG_URL=http://localhost:4000/graphql python3 -m unittest -v test_ml_asset_graph.py

Each test class creates its own project with a unique name, so the suite can run against a
server that already holds data. The server must run with AUTH=off (the default outside
production): the tests create api keys as the anonymous ADMIN. Without a server the module is
skipped, unless MAG_REQUIRE_SERVER=1.
"""
from __future__ import annotations

import base64
import datetime
import http.server
import os
import sys
import threading
import unittest
import uuid
from typing import Any, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ml_asset_graph as mag  # noqa: E402
from ml_asset_graph import (  # noqa: E402
    BadUserInput, Client, Conflict, Forbidden, GraphQLError, InvalidQuery, MagError, NotFound, TransportError,
    Unauthenticated,
)

URL = os.environ.get("MAG_URL", mag.DEFAULT_URL)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def missing_id(type_name: str) -> str:
    """A well-formed global id of ``type_name`` that names no row."""
    raw = f"{type_name}:{uuid.uuid4()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class CountingClient(Client):
    """Counts the requests it sends, to see pagination at work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: List[Dict[str, Any]] = []

    def query(self, document: str, variables: Any = None) -> Dict[str, Any]:
        self.calls.append(dict(variables or {}))
        return super().query(document, variables)


def setUpModule() -> None:
    try:
        Client(URL, timeout=10).viewer()
    except MagError as err:  # pragma: no cover - an environment problem, not a test failure
        if os.environ.get("MAG_REQUIRE_SERVER") == "1":
            raise RuntimeError(f"no ml-asset-graph server at {URL}: {err}") from err
        raise unittest.SkipTest(f"no ml-asset-graph server at {URL}: {err}")


class ProjectTestCase(unittest.TestCase):
    project: str
    c: Client

    @classmethod
    def setUpClass(cls) -> None:
        cls.project = unique("py")
        cls.c = Client(URL, project=cls.project)
        cls.c.create_project(cls.project, display_name="Python client tests", description=cls.__name__)


# --------------------------------------------------------------------------- configuration & transport


class ConfigurationTest(unittest.TestCase):
    def test_url_and_api_key_come_from_the_environment(self) -> None:
        saved = {k: os.environ.get(k) for k in ("MAG_URL", "MAG_API_KEY")}
        try:
            os.environ["MAG_URL"] = "http://example.invalid:1234/graphql"
            os.environ["MAG_API_KEY"] = "mag_secret_from_env"
            c = Client()
            self.assertEqual(c.url, "http://example.invalid:1234/graphql")
            self.assertEqual(c.api_key, "mag_secret_from_env")
            self.assertNotIn("mag_secret_from_env", repr(c))
            explicit = Client("http://other/graphql", api_key="k", timeout=3)
            self.assertEqual((explicit.url, explicit.api_key, explicit.timeout), ("http://other/graphql", "k", 3))
            del os.environ["MAG_URL"], os.environ["MAG_API_KEY"]
            self.assertEqual(Client().url, "http://localhost:4000/graphql")
            self.assertIsNone(Client().api_key)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def test_tag_specs_become_tag_inputs(self) -> None:
        self.assertEqual(mag._tag_inputs("a"), [{"name": "a"}])
        self.assertEqual(mag._tag_inputs(["a", {"name": "b", "exclusive": True, "cascade": None}]),
                         [{"name": "a"}, {"name": "b", "exclusive": True}])
        with self.assertRaises(ValueError):
            mag._tag_inputs([{"exclusive": True}])
        with self.assertRaises(ValueError):
            mag._tag_inputs([{"name": "x", "colour": "red"}])


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = b"<html><body>502 Bad Gateway</body></html>"
        self.send_response(502)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class TransportTest(unittest.TestCase):
    def test_connection_refused_is_a_transport_error(self) -> None:
        with self.assertRaises(TransportError) as cm:
            Client("http://127.0.0.1:1/graphql", timeout=5).viewer()
        self.assertIn("cannot reach", str(cm.exception))
        self.assertIsInstance(cm.exception, MagError)
        self.assertNotIsInstance(cm.exception, GraphQLError)

    def test_a_non_json_answer_is_a_transport_error(self) -> None:
        server = http.server.HTTPServer(("127.0.0.1", 0), _HtmlHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with self.assertRaises(TransportError) as cm:
                Client(f"http://127.0.0.1:{server.server_address[1]}/graphql", timeout=5).viewer()
            self.assertEqual(cm.exception.status, 502)
            self.assertIn("not JSON", str(cm.exception))
            self.assertIn("Bad Gateway", cm.exception.body)
        finally:
            server.shutdown()
            server.server_close()

    def test_json_that_is_not_graphql_is_a_transport_error(self) -> None:
        health = URL.rsplit("/", 1)[0] + "/healthz"
        with self.assertRaises(TransportError):
            Client(health).viewer()

    def test_an_unknown_route_keeps_the_servers_error_code(self) -> None:
        with self.assertRaises(NotFound) as cm:
            Client(URL.rsplit("/", 1)[0] + "/no-such-route").viewer()
        self.assertEqual(cm.exception.code, "NOT_FOUND")


# --------------------------------------------------------------------------- raw queries & error codes


class QueryAndErrorsTest(ProjectTestCase):
    def test_raw_query_returns_data(self) -> None:
        data = self.c.query("query($n: String!) { project(name: $n) { name displayName } }", {"n": self.project})
        self.assertEqual(data, {"project": {"name": self.project, "displayName": "Python client tests"}})
        self.assertEqual(self.c.viewer()["role"], "ADMIN")

    def test_an_invalid_document_is_invalid_query(self) -> None:
        with self.assertRaises(InvalidQuery) as cm:
            self.c.query("{ noSuchField }")
        self.assertEqual(cm.exception.code, "GRAPHQL_VALIDATION_FAILED")
        with self.assertRaises(InvalidQuery) as cm:
            self.c.query("{ projects { ")
        self.assertEqual(cm.exception.code, "GRAPHQL_PARSE_FAILED")

    def test_conflict_carries_code_message_and_path(self) -> None:
        with self.assertRaises(Conflict) as cm:
            self.c.create_project(self.project)
        err = cm.exception
        self.assertEqual(err.code, "CONFLICT")
        self.assertEqual(err.path, ["createProject"])
        self.assertIn(f'project "{self.project}" already exists', err.message)
        self.assertEqual(len(err.errors), 1)

    def test_bad_user_input_names_the_field(self) -> None:
        with self.assertRaises(BadUserInput) as cm:
            self.c.create_project("-bad name")
        self.assertEqual(cm.exception.code, "BAD_USER_INPUT")
        self.assertEqual(cm.exception.field, "name")
        with self.assertRaises(BadUserInput) as cm:
            self.c.finish_run("garbage-id")
        self.assertEqual(cm.exception.field, "run")
        with self.assertRaises(BadUserInput):
            list(self.c.list_models(tags=["oneof:"]))

    def test_not_found_for_unknown_ids_and_names(self) -> None:
        with self.assertRaises(NotFound) as cm:
            self.c.finish_run(missing_id("PipelineRun"))
        self.assertEqual(cm.exception.code, "NOT_FOUND")
        with self.assertRaises(NotFound):
            self.c.promote(missing_id("ModelVersion"), "STAGING")
        with self.assertRaises(NotFound):
            self.c.get_project(unique("absent"))
        with self.assertRaises(NotFound):
            list(self.c.list_models(project=unique("absent")))
        with self.assertRaises(NotFound):
            self.c.add_tags(missing_id("Model"), ["x"])
        self.assertIsNone(self.c.node(missing_id("Model")))

    def test_unauthenticated_and_forbidden(self) -> None:
        with self.assertRaises(Unauthenticated) as cm:
            Client(URL, api_key="mag_this_key_does_not_exist").viewer()
        self.assertEqual(cm.exception.code, "UNAUTHENTICATED")

        created = self.c.create_api_key(unique("viewer"), role="VIEWER", projects=[self.project])
        self.assertTrue(created["secret"])
        viewer = Client(URL, api_key=created["secret"], project=self.project)
        self.assertEqual(viewer.viewer(), {"name": created["apiKey"]["name"], "role": "VIEWER", "projects": [self.project]})
        self.assertEqual(viewer.get_project()["name"], self.project)
        with self.assertRaises(Forbidden) as cm:
            viewer.create_model("not-allowed")
        self.assertEqual(cm.exception.code, "FORBIDDEN")

        editor = Client(URL, project=self.project, api_key=self.c.create_api_key(unique("editor"), role="EDITOR", projects=[self.project])["secret"])
        self.assertEqual(editor.create_model(unique("by-editor"))["tags"], [])
        with self.assertRaises(Forbidden):
            editor.create_api_key(unique("escalate"), role="ADMIN")

    def test_client_side_validation(self) -> None:
        with self.assertRaises(ValueError):
            self.c.promote(missing_id("ModelVersion"), "prod")
        with self.assertRaises(ValueError):
            self.c.lineage(missing_id("ArtifactVersion"), direction="SIDEWAYS")
        with self.assertRaises(ValueError):
            list(self.c.list_models(page_size=500))


# --------------------------------------------------------------------------- artifacts


class ArtifactTest(ProjectTestCase):
    def test_versions_number_up_and_latest_is_the_newest(self) -> None:
        v1 = self.c.register_artifact_version("training-data", uri="s3://b/v1", type="data",
                                              data_type="pandas.DataFrame", metadata={"rows": 100})
        v2 = self.c.register_artifact_version("training-data", uri="s3://b/v2", metadata={"rows": 200})
        self.assertEqual((v1["version"], v2["version"]), ("1", "2"))
        self.assertEqual(v1["artifact"]["id"], v2["artifact"]["id"])
        latest = self.c.get_artifact_version("training-data")
        self.assertEqual(latest["version"], "2")
        self.assertEqual(latest["id"], v2["id"])
        self.assertEqual(latest["uri"], "s3://b/v2")
        self.assertEqual(latest["metadata"], {"rows": 200})
        self.assertIsNone(latest["producedBy"])
        first = self.c.get_artifact_version("training-data", "1")
        self.assertEqual((first["id"], first["type"], first["dataType"]), (v1["id"], "DATA", "pandas.DataFrame"))
        self.assertEqual(self.c.get_artifact_version("training-data", 1)["id"], v1["id"])

    def test_named_versions_tags_and_conflicts(self) -> None:
        named = self.c.register_artifact_version("raw", "raw_2023", tags=["source-a", {"name": "golden", "exclusive": True}])
        self.assertEqual(named["version"], "raw_2023")
        self.assertEqual(sorted(t["name"] for t in named["tags"]), ["golden", "source-a"])
        self.assertEqual(self.c.get_artifact_version("raw", "raw_2023")["id"], named["id"])
        with self.assertRaises(Conflict) as cm:
            self.c.register_artifact_version("raw", "raw_2023")
        self.assertEqual(cm.exception.code, "CONFLICT")

    def test_missing_versions_raise_not_found(self) -> None:
        self.c.register_artifact_version("lonely")
        with self.assertRaises(NotFound) as cm:
            self.c.get_artifact_version("lonely", "7")
        self.assertEqual(cm.exception.code, "NOT_FOUND")
        with self.assertRaises(NotFound):
            self.c.get_artifact_version("never-registered")

    def test_list_artifact_versions_walks_pages(self) -> None:
        for _ in range(5):
            self.c.register_artifact_version("many", type="STATISTICS")
        c = CountingClient(URL, project=self.project)
        versions = [v["version"] for v in c.list_artifact_versions("many", page_size=2, direction="ASC")]
        self.assertEqual(versions, ["1", "2", "3", "4", "5"])
        self.assertEqual(len(c.calls), 3)
        self.assertEqual([v["version"] for v in self.c.list_artifact_versions("many", limit=2)], ["5", "4"])
        self.assertEqual(len(list(self.c.list_artifact_versions("startswith:man", type="statistics"))), 5)


# --------------------------------------------------------------------------- models


class ModelTest(ProjectTestCase):
    def test_promote_with_and_without_force(self) -> None:
        model = unique("classifier")
        self.c.create_model(model, description="fraud", license="MIT")
        v1 = self.c.create_model_version(model, metadata={"accuracy": 0.91})
        v2 = self.c.create_model_version(model, "candidate", description="second")
        self.assertEqual((v1["number"], v1["name"], v1["stage"]), (1, "1", "NONE"))
        self.assertEqual((v2["number"], v2["name"]), (2, "candidate"))

        with self.assertRaises(NotFound):
            self.c.get_model_version(model, "production")  # nothing in production yet
        self.assertEqual(self.c.get_model_version(model)["number"], 2, "latest by default")

        r = self.c.promote(v1["id"], "production", reason="first release")
        self.assertEqual(r["modelVersion"]["stage"], "PRODUCTION")
        self.assertEqual(r["demoted"], [])
        self.assertEqual(self.c.get_model_version(model, "production")["id"], v1["id"])
        self.assertEqual(self.c.get_model_version(model, "PRODUCTION")["number"], 1)

        with self.assertRaises(Conflict) as cm:
            self.c.promote(v2["id"], "PRODUCTION")
        self.assertEqual(cm.exception.code, "CONFLICT")
        self.assertEqual(cm.exception.path, ["promoteModelVersion"])
        self.assertEqual(self.c.get_model_version(model, "1")["stage"], "PRODUCTION")
        self.assertEqual(self.c.get_model_version(model, "candidate")["stage"], "NONE")

        r = self.c.promote(v2["id"], "PRODUCTION", force=True, reason="better recall")
        self.assertEqual(r["modelVersion"]["stage"], "PRODUCTION")
        self.assertEqual([d["id"] for d in r["demoted"]], [v1["id"]])
        self.assertEqual(r["demoted"][0]["stage"], "ARCHIVED")
        prod = self.c.get_model_version(model, "production")
        self.assertEqual((prod["id"], prod["name"]), (v2["id"], "candidate"))
        self.assertEqual([(h["from"], h["to"], h["reason"]) for h in prod["stageHistory"]],
                         [("NONE", "PRODUCTION", "better recall")])
        self.assertEqual(prod["stageHistory"][0]["actor"], "anonymous")
        old = self.c.get_model_version(model, 1)
        self.assertEqual(old["stage"], "ARCHIVED")
        self.assertEqual([(h["from"], h["to"]) for h in old["stageHistory"]], [("NONE", "PRODUCTION"), ("PRODUCTION", "ARCHIVED")])

        # STAGING is single-holder too; ARCHIVED is not.
        v3 = self.c.create_model_version(model)
        self.c.promote(v3["id"], "staging")
        self.assertEqual(self.c.get_model_version(model, "staging")["number"], 3)
        self.assertEqual(self.c.get_model_version(model, "latest")["number"], 3)
        self.assertEqual(self.c.promote(v3["id"], "ARCHIVED")["demoted"], [])
        self.assertEqual(self.c.promote(v3["id"], "ARCHIVED")["modelVersion"]["stage"], "ARCHIVED")  # idempotent

        m = self.c.get_model(model)
        self.assertEqual((m["description"], m["license"], m["latestVersion"]["number"]), ("fraud", "MIT", 3))
        stages = {v["number"]: v["stage"] for v in self.c.list_model_versions(model)}
        self.assertEqual(stages, {1: "ARCHIVED", 2: "PRODUCTION", 3: "ARCHIVED"})
        self.assertEqual([v["number"] for v in self.c.list_model_versions(model, stage="archived", direction="ASC")], [1, 3])

    def test_model_errors(self) -> None:
        model = unique("m")
        self.c.create_model(model)
        with self.assertRaises(Conflict):
            self.c.create_model(model)
        with self.assertRaises(BadUserInput) as cm:
            self.c.create_model_version(model, "123")
        self.assertEqual(cm.exception.field, "name")
        with self.assertRaises(BadUserInput):
            self.c.create_model_version(model, "production")
        self.c.create_model_version(model, "v-a")
        with self.assertRaises(Conflict):
            self.c.create_model_version(model, "v-a")
        with self.assertRaises(NotFound):
            self.c.get_model_version(model, "99")
        with self.assertRaises(NotFound):
            self.c.get_model(unique("nope"))

    def test_link_artifact_and_what_trained_it(self) -> None:
        model = unique("linked")
        mv = self.c.create_model_version(model)
        data = self.c.register_artifact_version(unique("train-set"), uri="s3://data")
        weights = self.c.register_artifact_version(unique("weights"), type="MODEL", uri="s3://w")
        self.c.link_artifact(mv["id"], data["id"], "data", "training_data")
        linked = self.c.link_artifact(mv["id"], weights["id"], "MODEL", "trained_model")
        links = {l["name"]: (l["kind"], l["artifactVersion"]["id"]) for l in linked["artifacts"]}
        self.assertEqual(links, {"training_data": ("DATA", data["id"]), "trained_model": ("MODEL", weights["id"])})
        self.c.promote(mv["id"], "PRODUCTION")
        prod = self.c.get_model_version(model)
        trained_on = [l["artifactVersion"]["uri"] for l in prod["artifacts"] if l["kind"] == "DATA"]
        self.assertEqual(trained_on, ["s3://data"])
        back = self.c.get_artifact_version(data["artifact"]["name"])
        self.assertEqual([m["id"] for m in back["modelVersions"]], [mv["id"]])
        # default link name is the kind in lower case; relinking a name replaces the link
        relinked = self.c.link_artifact(mv["id"], weights["id"], "DEPLOYMENT")
        self.assertIn(("deployment", "DEPLOYMENT"), [(l["name"], l["kind"]) for l in relinked["artifacts"]])
        self.assertEqual(len(relinked["artifacts"]), 3)
        with self.assertRaises(NotFound):
            self.c.link_artifact(mv["id"], missing_id("ArtifactVersion"), "DATA", "x")
        with self.assertRaises(BadUserInput):
            self.c.link_artifact(mv["id"], mv["id"], "DATA", "x")  # a model version id where an artifact version is due


class ListModelsTest(ProjectTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # 7 models tagged accuracy-9x (5 of them random-forest), 3 tagged accuracy-8x, 1 untagged.
        cls.high: List[str] = []
        for i in range(7):
            name = f"high-{i}"
            tags = [f"accuracy-9{i}"] + (["random-forest"] if i < 5 else ["xgboost"])
            if i == 0:
                tags.append("environment-prod")
            cls.c.create_model(name, tags=tags)
            cls.high.append(name)
        for i in range(3):
            cls.c.create_model(f"low-{i}", tags=[f"accuracy-8{i}", "random-forest"])
        cls.c.create_model("untagged")

    def test_tag_predicate_across_pages(self) -> None:
        c = CountingClient(URL, project=self.project)
        it = c.list_models(tags=["startswith:accuracy-9"], page_size=3)
        self.assertEqual(c.calls, [], "nothing is fetched before iterating")
        names = [m["name"] for m in it]
        self.assertEqual(sorted(names), sorted(self.high))
        self.assertEqual(len(names), len(set(names)), "no duplicates across pages")
        self.assertEqual(names, list(reversed(self.high)), "newest first by default")
        self.assertEqual(len(c.calls), 3, "7 models in pages of 3")
        self.assertEqual(c.calls[0]["after"], None)
        self.assertIsNotNone(c.calls[1]["after"])

    def test_predicates_combine_with_and(self) -> None:
        both = [m["name"] for m in self.c.list_models(tags=["random-forest", "startswith:accuracy-9"],
                                                       order_by="NAME", direction="ASC", page_size=2)]
        self.assertEqual(both, [f"high-{i}" for i in range(5)])
        self.assertEqual([m["name"] for m in self.c.list_models("accuracy-93")], ["high-3"])
        self.assertEqual(sorted(m["name"] for m in self.c.list_models(tags="oneof:accuracy-80,accuracy-96")),
                         ["high-6", "low-0"])
        self.assertEqual(list(self.c.list_models(tags=["startswith:accuracy-7"])), [])

    def test_without_tags_name_and_limit(self) -> None:
        no_env = {m["name"] for m in self.c.list_models(tags=["startswith:accuracy-9"],
                                                        without_tags=["startswith:environment-"])}
        self.assertEqual(no_env, set(self.high) - {"high-0"})
        self.assertEqual([m["name"] for m in self.c.list_models(name="startswith:low-", order_by="name", direction="asc")],
                         ["low-0", "low-1", "low-2"])
        self.assertEqual(len(list(self.c.list_models(limit=4, page_size=3))), 4)
        self.assertEqual(len(list(self.c.list_models(page_size=4))), 11)
        m = next(iter(self.c.list_models(tags=["accuracy-90"])))
        self.assertEqual(sorted(t["name"] for t in m["tags"]), ["accuracy-90", "environment-prod", "random-forest"])


# --------------------------------------------------------------------------- tags & metadata


class TagTest(ProjectTestCase):
    def test_add_and_remove_tags(self) -> None:
        model = self.c.create_model(unique("tagged"))
        r = self.c.add_tags(model["id"], ["nlp", {"name": "env:prod"}])
        self.assertEqual(r["__typename"], "Model")
        self.assertEqual(r["id"], model["id"])
        self.assertEqual(sorted(t["name"] for t in r["tags"]), ["env:prod", "nlp"])
        self.assertEqual(sorted(t["name"] for t in self.c.add_tags(model["id"], "nlp")["tags"]), ["env:prod", "nlp"])
        r = self.c.remove_tags(model["id"], ["nlp", "not-there"])
        self.assertEqual([t["name"] for t in r["tags"]], ["env:prod"])
        self.assertEqual([m["id"] for m in self.c.list_models(tags=["env:prod"])], [model["id"]])
        self.assertEqual(self.c.get_tag("env:prod")["usageCount"], 1)
        with self.assertRaises(BadUserInput):
            self.c.add_tags(model["id"], ["bad tag"])

    def test_an_exclusive_tag_moves_between_versions_of_one_model(self) -> None:
        model = unique("excl")
        v1 = self.c.create_model_version(model)
        v2 = self.c.create_model_version(model)
        other = self.c.create_model_version(unique("other-model"))
        tag = {"name": unique("champion"), "exclusive": True}
        r = self.c.add_tags(v1["id"], [tag])
        self.assertEqual([(t["name"], t["exclusive"]) for t in r["tags"]], [(tag["name"], True)])
        self.c.add_tags(other["id"], [tag["name"]])  # another model: another scope
        self.c.add_tags(v2["id"], [tag["name"]])
        self.assertEqual(self.c.get_model_version(model, 1)["tags"], [])
        self.assertEqual([t["name"] for t in self.c.get_model_version(model, 2)["tags"]], [tag["name"]])
        holders = [v["id"] for v in self.c.list_model_versions(tags=[tag["name"]])]
        self.assertEqual(sorted(holders), sorted([v2["id"], other["id"]]))
        self.assertEqual(self.c.get_tag(tag["name"])["usageCount"], 2)

    def test_a_cascade_tag_reaches_what_the_run_produces(self) -> None:
        tag = unique("experiment")
        run = self.c.start_run(unique("pipe"), tags=[{"name": tag, "cascade": True}, "plain"])
        self.assertEqual(sorted(t["name"] for t in run["tags"]), sorted([tag, "plain"]))
        step = self.c.record_step(run["id"], "produce", outputs=[{"name": "out", "artifact": unique("cascaded")}])
        out_tags = [t["name"] for t in step["outputs"][0]["artifactVersion"]["tags"]]
        self.assertEqual(out_tags, [tag])
        # added later with cascade: reaches versions already produced
        late = unique("late")
        self.c.add_tags(run["id"], {"name": late, "cascade": True})
        av = self.c.get_artifact_version(step["outputs"][0]["artifactVersion"]["artifact"]["name"])
        self.assertEqual(sorted(t["name"] for t in av["tags"]), sorted([tag, late]))
        with self.assertRaises(BadUserInput) as cm:
            self.c.add_tags(av["id"], [{"name": "x", "cascade": True}])
        self.assertEqual(cm.exception.field, "tags.cascade")

    def test_delete_tag_in_use_needs_force(self) -> None:
        name = unique("doomed")
        created = self.c.create_tag(name, color="#AA00ff")
        self.assertEqual((created["color"], created["exclusive"], created["usageCount"]), ("#aa00ff", False, 0))
        with self.assertRaises(Conflict):
            self.c.create_tag(name)
        av = self.c.register_artifact_version(unique("t"), tags=[name])
        with self.assertRaises(Conflict) as cm:
            self.c.delete_tag(created["id"])
        self.assertEqual(cm.exception.code, "CONFLICT")
        self.assertEqual(self.c.delete_tag(created["id"], force=True), created["id"])
        self.assertEqual(self.c.get_artifact_version(av["artifact"]["name"])["tags"], [])
        with self.assertRaises(NotFound):
            self.c.get_tag(name)


class MetadataTest(ProjectTestCase):
    def test_log_metadata_merges_keys(self) -> None:
        av = self.c.register_artifact_version(unique("d"), metadata={"rows": 1, "cols": 3})
        r = self.c.log_metadata(av["id"], {"rows": 10, "schema": {"a": "int"}})
        self.assertEqual(r["__typename"], "ArtifactVersion")
        self.assertEqual(r["metadata"], {"rows": 10, "cols": 3, "schema": {"a": "int"}})
        self.assertEqual(self.c.get_artifact_version(av["artifact"]["name"])["metadata"]["rows"], 10)

        mv = self.c.create_model_version(unique("m"))
        self.assertEqual(self.c.log_metadata(mv["id"], {"f1": 0.93})["metadata"], {"f1": 0.93})
        run = self.c.start_run("meta-pipe")
        self.assertEqual(self.c.log_metadata(run["id"], {"gpu": "a100"}), {"__typename": "PipelineRun", "id": run["id"], "metadata": {"gpu": "a100"}})
        step = self.c.record_step(run["id"], "s", metadata={"a": 1})
        self.assertEqual(self.c.log_metadata(step["id"], {"b": 2})["metadata"], {"a": 1, "b": 2})

    def test_log_metadata_errors(self) -> None:
        model = self.c.create_model(unique("no-meta"))
        with self.assertRaises(BadUserInput) as cm:
            self.c.log_metadata(model["id"], {"a": 1})  # models carry no metadata
        self.assertEqual(cm.exception.field, "resource")
        with self.assertRaises(NotFound):
            self.c.log_metadata(missing_id("ArtifactVersion"), {"a": 1})


# --------------------------------------------------------------------------- runs & lineage


class NotebookHelpersTest(ProjectTestCase):
    """A small story of its own: raw data -> features (feature run) -> a model version trained on them."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        c = cls.c
        fe = c.start_run("features", "fe-1")
        raw = c.record_step(fe["id"], "load", outputs=[{"name": "raw", "artifact": "raw", "type": "DATA", "uri": "s3://raw/1"}])
        cls.raw = raw["outputs"][0]["artifactVersion"]
        feat = c.record_step(fe["id"], "engineer", inputs={"raw": cls.raw["id"]},
                             outputs=[{"name": "features", "artifact": "features", "type": "DATA", "metadata": {"columns": 31}}])
        cls.features = feat["outputs"][0]["artifactVersion"]
        c.finish_run(fe["id"])
        cls.versions = []
        for i, accuracy in enumerate((0.91, 0.95)):
            run = c.start_run("training", f"train-{i + 1}", model={"name": "clf", "createVersion": True})
            c.record_step(run["id"], "train", inputs={"features": cls.features["id"]},
                          outputs=[{"name": "trained_model", "artifact": "weights", "type": "MODEL",
                                    "metadata": {"accuracy": accuracy}, "link_to_model_as": "MODEL"}])
            c.link_artifact(run["modelVersion"]["id"], cls.features["id"], "DATA", "features")
            c.log_metadata(run["modelVersion"]["id"], {"f1": (0.86, 0.9)[i]})
            c.finish_run(run["id"])
            cls.versions.append(run["modelVersion"])
        c.promote(cls.versions[0]["id"], "production")
        c.promote(cls.versions[1]["id"], "staging")

    def test_the_default_project_is_used_and_project_overrides_it(self) -> None:
        self.assertEqual(self.c.project, self.project)
        self.assertEqual(self.c.get_model("clf")["name"], "clf")
        other = unique("py-other")
        self.c.create_project(other)
        self.c.create_model("clf-elsewhere", project=other)
        self.assertEqual([m["name"] for m in self.c.list_models(project=other)], ["clf-elsewhere"])
        self.assertEqual([m["name"] for m in Client(URL, project=other).list_models()], ["clf-elsewhere"])
        with self.assertRaises(NotFound):
            self.c.get_model("clf-elsewhere")
        with self.assertRaises(ValueError) as cm:
            Client(URL).get_model("clf")
        self.assertEqual(str(cm.exception), 'no project: pass project="..." or create the client with Client(project="...")')

    def test_get_model_version_defaults_to_latest(self) -> None:
        latest = self.c.get_model_version("clf")
        self.assertEqual((latest["number"], latest["stage"]), (2, "STAGING"))
        self.assertEqual(self.c.get_model_version("clf", "production")["number"], 1)
        self.assertEqual(repr(latest), f"<ModelVersion clf 2 (staging) {latest['id']}>")

    def test_training_data_returns_the_data_and_its_producing_run_in_one_request(self) -> None:
        c = CountingClient(URL, project=self.project)
        mv = c.get_model_version("clf", "production")
        c.calls.clear()
        data = mv.training_data()
        self.assertEqual(len(c.calls), 1, "one GraphQL request")
        self.assertEqual([(d["name"], d["kind"], d["artifactVersion"]["artifact"]["name"], d["artifactVersion"]["version"])
                          for d in data], [("features", "DATA", "features", "1")])
        produced = data[0]["artifactVersion"]["producedBy"]
        self.assertEqual((produced["name"], produced["run"]["name"], produced["run"]["pipeline"]["name"], produced["run"]["status"]),
                         ("engineer", "fe-1", "features", "COMPLETED"))
        self.assertEqual(data[0]["artifactVersion"]["metadata"], {"columns": 31})
        models = mv.model_artifacts()
        self.assertEqual([(m["name"], m["artifactVersion"]["metadata"]["accuracy"]) for m in models], [("trained_model", 0.91)])
        self.assertEqual(models[0]["artifactVersion"]["producedBy"]["run"]["name"], "train-1")
        with self.assertRaises(ValueError) as cm:
            mv.artifacts_of("weights")
        self.assertEqual(str(cm.exception), "kind must be one of data, model, deployment, got 'weights'")

    def test_lineage_has_readable_labels(self) -> None:
        g = self.c.get_model_version("clf", "production").lineage()
        self.assertEqual(g.labels("ArtifactVersion"), ["features:1", "raw:1", "weights:1"])
        self.assertEqual(g.labels("StepRun"), ["features/fe-1/engineer", "features/fe-1/load", "training/train-1/train"])
        self.assertEqual(g.edge_lines(), [
            "features/fe-1/engineer -[OUTPUT features]-> features:1",
            "features/fe-1/load -[OUTPUT raw]-> raw:1",
            "features:1 -[INPUT features]-> training/train-1/train",
            "raw:1 -[INPUT raw]-> features/fe-1/engineer",
            "training/train-1/train -[OUTPUT trained_model]-> weights:1",
        ])
        self.assertTrue(str(g).startswith("6 nodes, 5 edges\n"))

    def test_to_networkx_and_to_dataframe_work_or_say_what_to_install(self) -> None:
        g = self.c.get_model_version("clf", "production").lineage()
        try:
            import networkx  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError) as cm:
                g.to_networkx()
            self.assertEqual(str(cm.exception), "Lineage.to_networkx() needs networkx: pip install networkx")
        else:
            nx = g.to_networkx()
            self.assertEqual(sorted(nx.nodes), sorted(g.labels()))
            self.assertEqual(nx.edges["features:1", "training/train-1/train"], {"kind": "INPUT", "name": "features"})
            self.assertEqual(nx.nodes["weights:1"]["__typename"], "ArtifactVersion")
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError) as cm:
                g.to_dataframe()
            self.assertEqual(str(cm.exception), "Lineage.to_dataframe() needs pandas: pip install pandas")
        else:
            df = g.to_dataframe()
            self.assertEqual(list(df.columns), ["source", "kind", "name", "target", "source_id", "target_id"])
            self.assertEqual(len(df), 5)

    def test_list_model_versions_has_stage_and_metadata_and_the_table_is_one_request(self) -> None:
        listed = list(self.c.list_model_versions("clf", direction="ASC"))
        self.assertEqual([(v["number"], v["stage"], v["metadata"]) for v in listed],
                         [(1, "PRODUCTION", {"f1": 0.86}), (2, "STAGING", {"f1": 0.9})])
        c = CountingClient(URL, project=self.project)
        rows = c.model_version_table("clf")
        self.assertEqual(len(c.calls), 1, "one GraphQL request for the whole table")
        self.assertEqual([{k: r[k] for k in ("model", "number", "stage", "f1", "trained_model.accuracy", "features.columns")} for r in rows], [
            {"model": "clf", "number": 1, "stage": "PRODUCTION", "f1": 0.86, "trained_model.accuracy": 0.91, "features.columns": 31},
            {"model": "clf", "number": 2, "stage": "STAGING", "f1": 0.9, "trained_model.accuracy": 0.95, "features.columns": 31},
        ])

    def test_not_found_errors_name_what_is_missing_and_list_what_exists(self) -> None:
        with self.assertRaises(NotFound) as cm:
            self.c.get_model_version("clf", "7")
        self.assertEqual(cm.exception.message,
                         f'model "clf" has no version "7" in project "{self.project}" (versions: 1, 2); production → 1, staging → 2')
        with self.assertRaises(NotFound) as cm:
            self.c.get_model_version("clf-typo")
        self.assertEqual(cm.exception.message, f'project "{self.project}" has no model "clf-typo" (models: clf)')
        with self.assertRaises(NotFound) as cm:
            self.c.get_artifact_version("features", "9")
        self.assertEqual(cm.exception.message, f'artifact "features" has no version "9" in project "{self.project}" (versions: 1)')
        with self.assertRaises(NotFound) as cm:
            self.c.get_artifact_version("featurez")
        self.assertEqual(cm.exception.message, f'project "{self.project}" has no artifact "featurez" (artifacts: features, raw, weights)')
        with self.assertRaises(NotFound) as cm:
            self.c.get_model("clf", project="no-such-project-here")
        self.assertTrue(cm.exception.message.startswith('project "no-such-project-here" not found (projects: '), cm.exception.message)
        self.assertIn(self.project, cm.exception.message)

    def test_invalid_values_list_the_valid_ones_and_conflicts_say_force_true(self) -> None:
        with self.assertRaises(ValueError) as cm:
            self.c.promote(self.versions[1]["id"], "prod")
        self.assertEqual(str(cm.exception), "stage must be one of none, staging, production, archived, got 'prod'")
        with self.assertRaises(ValueError) as cm:
            list(self.c.list_runs(status="done"))
        self.assertEqual(str(cm.exception), "status must be one of initializing, running, completed, failed, cached, got 'done'")
        with self.assertRaises(Conflict) as cm:
            self.c.promote(self.versions[1]["id"], "production")
        self.assertEqual(cm.exception.message, "version 1 of this model holds PRODUCTION; pass force=True to archive it")
        self.assertNotIn("force: true", str(cm.exception))


class RunLineageTest(ProjectTestCase):
    def test_two_step_run_and_its_lineage(self) -> None:
        raw = self.c.register_artifact_version("raw-data", uri="s3://raw")
        run = self.c.start_run("training", "training-run-1", config={"lr": 0.1}, model={"name": "clf"})
        self.assertEqual((run["status"], run["pipeline"]["name"], run["config"]), ("RUNNING", "training", {"lr": 0.1}))
        self.assertEqual(run["modelVersion"]["number"], 1)
        load = self.c.record_step(run["id"], "load", inputs={"raw": raw["id"]},
                                  outputs=[{"name": "clean", "artifact": "clean-data", "uri": "s3://clean",
                                            "data_type": "pandas.DataFrame", "link_to_model_as": "data"}],
                                  started_at="2024-01-01T00:00:00Z", ended_at="2024-01-01T00:01:00Z")
        clean = load["outputs"][0]["artifactVersion"]
        self.assertEqual((load["inputs"][0]["name"], load["inputs"][0]["artifactVersion"]["id"]), ("raw", raw["id"]))
        self.assertEqual((clean["version"], clean["dataType"], clean["producedBy"]["id"]), ("1", "pandas.DataFrame", load["id"]))
        train = self.c.record_step(run["id"], "train", inputs=[{"name": "data", "artifactVersion": clean["id"]}],
                                   outputs=[{"name": "trained_model", "artifact": "clf-weights", "type": "model",
                                             "link_to_model_as": "MODEL", "metadata": {"auc": 0.97}}])
        weights = train["outputs"][0]["artifactVersion"]
        self.assertEqual((weights["type"], weights["metadata"]), ("MODEL", {"auc": 0.97}))
        with self.assertRaises(Conflict):
            self.c.record_step(run["id"], "train")
        finished = self.c.finish_run(run["id"])
        self.assertEqual(finished["status"], "COMPLETED")
        self.assertIsNotNone(finished["endedAt"])

        fetched = self.c.get_run("training-run-1")
        self.assertEqual([s["name"] for s in fetched["steps"]], ["load", "train"])
        self.assertEqual([r["name"] for r in self.c.list_runs(pipeline="training", status="completed")],
                         ["training-run-1"])

        # the model version the run worked on knows its data and weights
        mv = self.c.get_model_version("clf", "latest")
        self.assertEqual({l["name"]: l["kind"] for l in mv["artifacts"]}, {"clean": "DATA", "trained_model": "MODEL"})
        self.assertEqual([r["id"] for r in mv["runs"]], [run["id"]])

        ids = {raw["id"], clean["id"], weights["id"], load["id"], train["id"]}
        expected_edges = {(raw["id"], load["id"], "INPUT", "raw"), (load["id"], clean["id"], "OUTPUT", "clean"),
                          (clean["id"], train["id"], "INPUT", "data"), (train["id"], weights["id"], "OUTPUT", "trained_model")}

        def edges(g: Dict[str, Any]) -> set:
            return {(e["source"], e["target"], e["kind"], e["name"]) for e in g["edges"]}

        whole = self.c.lineage(run["id"])
        self.assertEqual(len(whole["nodes"]), 5)
        self.assertEqual(len(whole["edges"]), 4)
        self.assertEqual({n["id"] for n in whole["nodes"]}, ids)
        self.assertEqual(edges(whole), expected_edges)
        self.assertEqual(sorted(whole["roots"]), sorted([load["id"], train["id"]]))
        self.assertFalse(whole["truncated"])
        kinds = {n["id"]: n["__typename"] for n in whole["nodes"]}
        self.assertEqual(kinds[train["id"]], "StepRun")
        self.assertEqual(kinds[weights["id"]], "ArtifactVersion")

        up = self.c.lineage(weights["id"], direction="upstream")
        self.assertEqual(({n["id"] for n in up["nodes"]}, edges(up), up["truncated"]), (ids, expected_edges, False))

        down = self.c.lineage(raw["id"], "DOWNSTREAM", depth=2)
        self.assertEqual({n["id"] for n in down["nodes"]}, {raw["id"], load["id"], clean["id"]})
        self.assertEqual(len(down["edges"]), 2)
        self.assertTrue(down["truncated"], "depth 2 stops before train")
        self.assertEqual(self.c.lineage(weights["id"], "DOWNSTREAM"), {"roots": [weights["id"]], "nodes": [{
            "__typename": "ArtifactVersion", "id": weights["id"], "version": "1", "type": "MODEL", "uri": None,
            "artifact": {"name": "clf-weights"}, "label": "clf-weights:1"}], "edges": [], "truncated": False})

        limited = self.c.lineage(run["id"], limit=3)
        self.assertEqual(len(limited["nodes"]), 3)
        self.assertTrue(limited["truncated"])

        from_model = self.c.lineage(mv["id"], "UPSTREAM")
        self.assertEqual({n["id"] for n in from_model["nodes"]}, ids)
        self.assertEqual(len(from_model["edges"]), 4)

        with self.assertRaises(BadUserInput):
            self.c.lineage(run["id"], depth=0)
        with self.assertRaises(NotFound):
            self.c.lineage(missing_id("PipelineRun"))

    def test_run_errors_and_model_refs(self) -> None:
        run = self.c.start_run("p", "named-run")
        with self.assertRaises(Conflict):
            self.c.start_run("p", "named-run")
        with self.assertRaises(NotFound):
            self.c.start_run("p", stack=unique("no-stack"))
        with self.assertRaises(NotFound):
            self.c.record_step(run["id"], "s", inputs={"x": missing_id("ArtifactVersion")})
        with self.assertRaises(BadUserInput):
            self.c.record_step(run["id"], "s2", outputs=[{"name": "o", "artifact": "a", "link_to_model_as": "DATA"}])
        generated = self.c.start_run("p")
        self.assertTrue(generated["name"].startswith("p-"))
        failed = self.c.finish_run(generated["id"], "failed")
        self.assertEqual(failed["status"], "FAILED")
        self.c.create_model_version("ref-model")
        attached = self.c.start_run("p", model={"name": "ref-model", "version": 1})
        self.assertEqual(attached["modelVersion"]["number"], 1)
        fresh = self.c.start_run("p", model={"name": "ref-model", "createVersion": True})
        self.assertEqual(fresh["modelVersion"]["number"], 2)
        with self.assertRaises(NotFound):
            self.c.start_run("p", model={"name": "ref-model", "version": "production"})



# --------------------------------------------------------------------------- edits, delete, restore, metadata filters


class LifecycleTest(ProjectTestCase):
    def test_updates_by_name_or_id_keep_ids_and_none_clears(self) -> None:
        c = self.c
        model = c.create_model("churn", description="first try", license="MIT")
        v1 = c.create_model_version("churn", description="baseline")
        renamed = c.update_model("churn", name="churn_v2", description="second try")
        self.assertEqual((renamed["id"], renamed["name"], renamed["description"], renamed["license"]),
                         (model["id"], "churn_v2", "second try", "MIT"))
        self.assertIsNotNone(renamed["updatedAt"])
        cleared = c.update_model(model["id"], license=None)
        self.assertEqual((cleared["name"], cleared["description"], cleared["license"]), ("churn_v2", "second try", None))
        self.assertEqual(c.get_model_version("churn_v2", 1)["id"], v1["id"])
        with self.assertRaises(NotFound) as missing:
            c.update_model("churn", description="x")
        self.assertRegex(missing.exception.message, r'has no model "churn" \(models: (.+, )?churn_v2(, .+)?\)$')

        mv = c.update_model_version("churn_v2", 1, name="baseline", description=None)
        self.assertEqual((mv["id"], mv["number"], mv["name"], mv["description"]), (v1["id"], 1, "baseline", None))
        mv = c.update_model_version(v1["id"], description="the first one")
        self.assertEqual((mv["name"], mv["description"]), ("baseline", "the first one"))
        with self.assertRaises(ValueError) as no_version:
            c.update_model_version("churn_v2", name="x")
        self.assertIn("pass version=", str(no_version.exception))
        with self.assertRaises(ValueError) as wrong_kind:
            c.update_model(v1["id"], name="x")
        self.assertEqual(str(wrong_kind.exception), "expected the name or id of a Model, got the id of a ModelVersion")

        pipeline = c.create_pipeline("etl", description="extract")
        run = c.start_run("etl", "etl-1")
        p = c.update_pipeline("etl", name="etl_daily", description=None)
        self.assertEqual((p["id"], p["name"], p["description"]), (pipeline["id"], "etl_daily", None))
        self.assertEqual(c.get_run("etl-1")["pipeline"], {"id": pipeline["id"], "name": "etl_daily"})
        c.create_pipeline("other")
        with self.assertRaises(Conflict):
            c.update_pipeline(pipeline, name="other")

        av = c.register_artifact_version("raw", metadata={"rows": 1})
        a = c.update_artifact("raw", name="raw_events")
        self.assertEqual((a["id"], a["name"]), (av["artifact"]["id"], "raw_events"))
        self.assertEqual(c.get_artifact_version("raw_events")["id"], av["id"])

        proj = c.update_project(display_name="Renamed display", description=None)
        self.assertEqual((proj["name"], proj["displayName"], proj["description"]), (self.project, "Renamed display", None))
        proj = c.update_project(proj["id"], description="back")
        self.assertEqual((proj["displayName"], proj["description"]), ("Renamed display", "back"))
        with self.assertRaises(BadUserInput):
            c.update_model(model["id"], name="-bad")
        self.assertEqual(run["pipeline"]["id"], pipeline["id"])

    def test_delete_then_restore_round_trips_and_a_refused_delete_changes_nothing(self) -> None:
        c = self.c
        v1 = c.create_model_version("fraud", metadata={"accuracy": 0.9})
        v2 = c.create_model_version("fraud")
        c.promote(v1["id"], "production")
        model = c.get_model("fraud")
        before = [(v["number"], v["stage"]) for v in c.list_model_versions("fraud")]

        with self.assertRaises(Conflict) as held:
            c.delete(model)
        self.assertEqual(held.exception.message,
                         'model "fraud" version 1 holds PRODUCTION; pass force=True to delete it anyway')
        self.assertEqual([(v["number"], v["stage"]) for v in c.list_model_versions("fraud")], before)

        deleted = c.delete(model, force=True, reason="retired")
        self.assertEqual(deleted, [model["id"], v1["id"], v2["id"]])
        self.assertEqual([m["name"] for m in c.list_models(name="fraud")], [])
        self.assertEqual([m["name"] for m in c.list_models(name="fraud", deleted="only")], ["fraud"])
        trash = list(c.list_model_versions("fraud", deleted="only", order_by="created_at", direction="asc"))
        self.assertEqual([v["number"] for v in trash], [1, 2])
        self.assertTrue(all(v["deletedAt"] for v in trash))
        self.assertEqual(len(list(c.list_model_versions("fraud", deleted="include"))), 2)
        with self.assertRaises(NotFound):
            c.get_model("fraud")
        with self.assertRaises(Conflict):
            c.delete(model["id"])

        restored = c.restore(deleted[0])
        self.assertEqual((restored["__typename"], restored["id"], restored["name"], restored["deletedAt"]),
                         ("Model", model["id"], "fraud", None))
        self.assertEqual([(v["number"], v["stage"]) for v in c.list_model_versions("fraud")], before)
        self.assertEqual(c.get_model_version("fraud", "production")["id"], v1["id"])

        only_v2 = c.delete(v2, reason="never used")
        self.assertEqual(only_v2, [v2["id"]])
        self.assertEqual(c.restore(v2["id"])["number"], 2)
        with self.assertRaises(ValueError):
            c.delete("fraud")
        with self.assertRaises(ValueError):
            c.list_models(deleted="trash")

    def test_metadata_filters_and_metadata_order(self) -> None:
        c = self.c
        values = [{"accuracy": 0.5, "framework": "sklearn", "metrics": {"f1": 0.4}},
                  {"accuracy": 0.91, "framework": "sklearn", "metrics": {"f1": 0.8}},
                  {"accuracy": 0.95, "framework": "xgboost"},
                  {"accuracy": "0.99", "framework": "torch"},
                  {"framework": "sklearn-intelex"}]
        for m in values:
            c.create_model_version("meta", metadata=m)

        def numbers(**kw: Any) -> List[int]:
            return [v["number"] for v in c.list_model_versions("meta", **kw)]

        asc = {"order_by": "created_at", "direction": "asc"}
        self.assertEqual(numbers(metadata={"accuracy": {"gt": 0.9}}, **asc), [2, 3])
        self.assertEqual(numbers(metadata={"accuracy": {"gte": 0.5, "lt": 0.95}}, **asc), [1, 2])
        self.assertEqual(numbers(metadata={"framework": "sklearn"}, **asc), [1, 2])
        self.assertEqual(numbers(metadata={"framework": {"matches": "startswith:sklearn"}}, **asc), [1, 2, 5])
        self.assertEqual(numbers(metadata={"framework": {"ne": "sklearn"}}, **asc), [3, 4, 5])
        self.assertEqual(numbers(metadata={"accuracy": {"exists": False}}, **asc), [5])
        self.assertEqual(numbers(metadata={"metrics.f1": {"gt": 0.5}}, **asc), [2])
        self.assertEqual(numbers(metadata={"metrics": {"eq": {"f1": 0.4}}}, **asc), [1])
        # Numbers sort as numbers across pages of 2; the string "0.99" is no number (it sorts apart,
        # as PostgreSQL orders jsonb), and the version without the key comes last either way.
        self.assertEqual(numbers(order_by="metadata.accuracy", direction="desc", page_size=2), [3, 2, 1, 4, 5])
        self.assertEqual(numbers(order_by="metadata.accuracy", direction="asc", page_size=2), [4, 1, 2, 3, 5])
        table = c.model_version_table("meta", metadata={"accuracy": {"gt": 0.9}})
        self.assertEqual([(r["number"], r["accuracy"]) for r in table], [(2, 0.91), (3, 0.95)])

        for accuracy in (0.7, 0.97):
            c.register_artifact_version("scores", metadata={"accuracy": accuracy})
            run = c.start_run("scoring")
            c.log_metadata(run["id"], {"accuracy": accuracy})
        self.assertEqual([av["version"] for av in c.list_artifact_versions("scores", metadata={"accuracy": {"gt": 0.9}})], ["2"])
        self.assertEqual([r["metadata"]["accuracy"] for r in c.list_runs(pipeline="scoring", order_by="metadata.accuracy")], [0.97, 0.7])

        with self.assertRaises(ValueError) as unknown:
            c.list_model_versions(metadata={"accuracy": {"above": 0.9}})
        self.assertIn("unknown operator 'above', use eq, ne, gt, gte, lt, lte, exists, matches", str(unknown.exception))
        with self.assertRaises(ValueError):
            c.list_model_versions(metadata={"accuracy": {"gt": "0.9"}})
        with self.assertRaises(ValueError) as order:
            c.list_models(order_by="metadata.accuracy")
        self.assertEqual(str(order.exception), "order_by must be one of created_at, updated_at, name, got 'metadata.accuracy'")



# --------------------------------------------------------------------------- the change log


class PurgeTest(ProjectTestCase):
    def test_dry_run_lists_what_the_real_run_removes_and_retention_keeps_protected_versions(self) -> None:
        c = self.c
        versions = [c.register_artifact_version("features") for _ in range(5)]
        c.create_model_version("scorer")
        c.link_artifact(c.get_model_version("scorer")["id"], versions[0]["id"], name="training_data")
        scratch = c.register_artifact_version("scratch")
        deleted = c.delete(scratch["artifact"])
        self.assertEqual(deleted, [scratch["artifact"]["id"], scratch["id"]])

        before = [v["version"] for v in c.list_artifact_versions("features")]
        dry = c.purge(artifact="equals:features", keep_latest=2)
        # Parents first, then by creation: the scratch version was registered after the features versions.
        expected = [scratch["artifact"]["id"], versions[1]["id"], versions[2]["id"], scratch["id"]]
        self.assertEqual(dry, {"dryRun": True, "removed": expected, "count": 4})
        self.assertEqual([v["version"] for v in c.list_artifact_versions("features")], before)
        older = c.purge(artifact="equals:features", keep_latest=2, older_than=versions[2]["createdAt"])
        self.assertEqual(older["removed"], [scratch["artifact"]["id"], versions[1]["id"], scratch["id"]],
                         "version 3 was not created before older_than")

        real = c.purge(artifact="equals:features", keep_latest=2, dry_run=False)
        self.assertEqual(real, {"dryRun": False, "removed": expected, "count": 4})
        self.assertEqual(sorted(int(v["version"]) for v in c.list_artifact_versions("features")), [1, 4, 5])
        self.assertIsNone(c.node(scratch["id"]))
        self.assertEqual(c.purge(dry_run=False), {"dryRun": False, "removed": [], "count": 0})
        with self.assertRaises(ValueError):
            c.purge(keep_latest=2)

    def test_only_admin_keys_purge(self) -> None:
        key = self.c.create_api_key(unique("purge-editor"), role="EDITOR")
        editor = Client(URL, api_key=key["secret"], project=self.project)
        with self.assertRaises(Forbidden):
            editor.purge()


class EventsTest(ProjectTestCase):
    """Events of this class's own project: the client's default project filters the change log."""

    def test_events_are_typed_paged_and_filtered(self) -> None:
        c = self.c
        v1 = c.create_model_version("ev-model")
        c.promote(v1["id"], "staging", reason="first candidate")
        c.log_metadata(v1["id"], {"auc": 0.8})
        page = c.events()
        self.assertEqual([e.kind for e in page], ["PROJECT_CREATED", "MODEL_VERSION_CREATED", "STAGE_CHANGED", "METADATA_LOGGED"])
        self.assertFalse(page.has_next_page)
        self.assertEqual(page.next_after, page[-1].sequence)
        stage = page[2]
        self.assertIsInstance(stage, mag.Event)
        self.assertIsInstance(stage.sequence, int)
        self.assertEqual([e.sequence for e in page], sorted(e.sequence for e in page))
        self.assertEqual((stage.subject_id, stage.subject_type, stage.project, stage.actor),
                         (v1["id"], "ModelVersion", self.project, "anonymous"))
        self.assertEqual(stage.data, {"from": "NONE", "to": "STAGING", "reason": "first candidate"})
        self.assertEqual(stage.at.tzinfo, datetime.timezone.utc)
        self.assertEqual(str(stage), f'{stage.sequence} STAGE_CHANGED ModelVersion by anonymous: '
                                     '{"from": "NONE", "reason": "first candidate", "to": "STAGING"}')

        first = c.events(first=2)
        self.assertEqual(([e.kind for e in first], first.has_next_page), (["PROJECT_CREATED", "MODEL_VERSION_CREATED"], True))
        rest = c.events(after=first.next_after, first=2)
        self.assertEqual([e.sequence for e in first + rest], [e.sequence for e in page])
        self.assertEqual([e.kind for e in c.events("STAGE_CHANGED")], ["STAGE_CHANGED"])
        self.assertEqual([e.kind for e in c.events(["STAGE_CHANGED", "metadata_logged"])], ["STAGE_CHANGED", "METADATA_LOGGED"])
        model = c.get_model("ev-model")
        self.assertEqual([e.kind for e in c.events(subject=model)], ["MODEL_VERSION_CREATED", "STAGE_CHANGED", "METADATA_LOGGED"])
        self.assertEqual(c.events(projects=unique("nowhere")), [])
        everywhere = Client(URL).events("PROJECT_CREATED", first=1000, after=page[0].sequence - 1)
        self.assertEqual(everywhere[0].project, self.project)
        self.assertEqual(Client(URL, project=self.project).events(projects="*", after=page[-1].sequence), [])
        with self.assertRaises(ValueError) as bad:
            c.events("STAGE_MOVED")
        self.assertIn("kind must be one of project_created", str(bad.exception))

    def test_last_event_sequence_is_the_newest_event_in_one_request(self) -> None:
        c = CountingClient(URL)
        c.create_model_version("seq-model", project=self.project)
        c.calls.clear()
        newest = c.last_event_sequence()
        self.assertEqual(len(c.calls), 1, "one GraphQL request")
        self.assertEqual(c.events(after=newest), [])
        latest = c.events(after=newest - 1)
        self.assertEqual([(e.sequence, e.kind, e.project) for e in latest], [(newest, "MODEL_VERSION_CREATED", self.project)])

    def test_watch_from_now_yields_a_change_committed_right_after_it_read_where_the_log_stands(self) -> None:
        project = self.project

        class CommitsAfterTheHead(Client):
            """Commits a change just after the watch read latestEventSequence, before its first poll."""

            def query(self, document: str, variables: Any = None) -> Dict[str, Any]:
                data = super().query(document, variables)
                if "latestEventSequence" in document:
                    Client(URL).create_model_version("between", project=project)
                return data

        c = CommitsAfterTheHead(URL, project=project)
        seen = list(c.watch("MODEL_VERSION_CREATED", poll_interval=0.05, timeout=30, limit=1))
        self.assertEqual([(e.kind, e.data["model"], e.data["number"]) for e in seen], [("MODEL_VERSION_CREATED", "between", 1)])

    def test_watch_yields_what_is_committed_after_it_started_and_stops(self) -> None:
        c = self.c
        v1 = c.create_model_version("watched")
        v2 = c.create_model_version("watched")
        start = c.last_event_sequence()

        def promote_later() -> None:
            writer = Client(URL)
            writer.promote(v1["id"], "production", reason="live")
            writer.promote(v2["id"], "production", force=True, reason="better")

        writer = threading.Thread(target=promote_later)
        writer.start()
        seen = list(c.watch("STAGE_CHANGED", after=start, poll_interval=0.05, timeout=60,
                            until=lambda e: e.subject_id == v2["id"]))
        writer.join()
        self.assertEqual([(e.subject_id, e.data["from"], e.data["to"]) for e in seen], [
            (v1["id"], "NONE", "PRODUCTION"), (v1["id"], "PRODUCTION", "ARCHIVED"), (v2["id"], "NONE", "PRODUCTION")])

        # Resuming after the second event yields the third again, and nothing twice.
        resumed = list(c.watch("STAGE_CHANGED", after=seen[1].sequence, poll_interval=0.05, limit=1))
        self.assertEqual([e.sequence for e in resumed], [seen[2].sequence])
        # From now on (the default) nothing has happened yet: the timeout ends the generator.
        self.assertEqual(list(c.watch("STAGE_CHANGED", poll_interval=0.05, timeout=0.2)), [])
        with self.assertRaises(ValueError):
            next(c.watch(poll_interval=0))


if __name__ == "__main__":
    unittest.main()
