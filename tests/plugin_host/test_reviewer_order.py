"""Built-in plugins run before a clinic's plugins in every hook, whatever the names: a clinic's
reviewer takes its last look at the plan the built-in pathways made (docs/design.md section 3)."""

from __future__ import annotations

import pytest

from careengine import hookimpl
from careengine.model import InterventionKind, Plan
from careengine.testing import assessment_data, isolated_engine
from careengine_plugins import stratified_care
from tests.plugins import policy

#: a low STarT Back risk (no item agreed, not at all bothersome) and findings exercise rules match
LOW_RISK = assessment_data(
    findings=["core_facilitation_poor", "lumbar_extensor_weakness", "glute_weakness"],
    questionnaires={"startback": {"agree": [], "bothersomeness": "not_at_all"}},
)


class Recorder:
    """A clinic reviewer whose name sorts before every built-in plugin's."""

    __name__ = "aaa_clinic"

    def __init__(self) -> None:
        self.seen: list[Plan] = []

    @hookimpl
    def careengine_review_plan(self, plan: Plan) -> None:
        self.seen.append(plan)


@pytest.mark.hook("careengine_review_plan")
def test_a_clinic_reviewer_sees_the_plan_the_built_in_pathway_made() -> None:
    clinic = Recorder()
    engine = isolated_engine(plugins=[clinic])
    plan = engine.evaluate(engine.load_assessment(LOW_RISK))
    assert plan.classifications["startback"]["risk"] == "low"
    [seen] = clinic.seen
    # the pathway ran first: the clinic's reviewer is given advice and self-management only
    assert any(d.reason == stratified_care.DEFERRED_REASON for d in seen.deferred)
    assert not [i for _, i in seen.items() if i.kind is InterventionKind.EXERCISE]
    assert seen == plan


@pytest.mark.hook("careengine_review_plan")
def test_built_ins_run_before_plugins_whatever_their_names() -> None:
    for plugins in ([Recorder(), policy], [policy, Recorder()]):
        host = isolated_engine(plugins=plugins).host
        for hook in ("careengine_catalog", "careengine_review_plan"):
            names = [i.plugin_name for i in host._impls(hook)]
            builtin = [n for n in names if host.infos[n].builtin]
            assert names[: len(builtin)] == sorted(builtin)
        names = [i.plugin_name for i in host._impls("careengine_review_plan")]
        assert names == ["careengine_plugins.stratified_care", "aaa_clinic", "tests.plugins.policy"]


@pytest.mark.hook("careengine_review_plan")
def test_a_plugin_registered_after_the_first_call_takes_its_place_in_the_order() -> None:
    # the host keeps each hook's calling order until its implementations change
    host = isolated_engine(plugins=[policy]).host
    before = [i.plugin_name for i in host._impls("careengine_review_plan")]
    assert before == [i.plugin_name for i in host._impls("careengine_review_plan")]
    host.register(Recorder(), name="aaa_clinic", version="1", distribution=None, source="extra")
    after = [i.plugin_name for i in host._impls("careengine_review_plan")]
    assert before == ["careengine_plugins.stratified_care", "tests.plugins.policy"]
    assert after == ["careengine_plugins.stratified_care", "aaa_clinic", "tests.plugins.policy"]
