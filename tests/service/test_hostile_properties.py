"""Properties through FastAPI's test client: any JSON value as a body, and any mutation of a
valid patient-view request (a node deleted or replaced by any JSON value), never gives a 500;
every 4xx is an OperationOutcome whose every issue names where it is."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.hostile_support import PATH, located_issues
from tests.service.http_support import ServiceUnderTest, hook_request

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json.dumps writes them as literals
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def answer_is_sound(response: Any) -> None:
    assert response.status_code != 500, response.text
    assert response.status_code in (200, 400, 412), response.text
    if response.status_code != 200:
        located_issues(response)


def post(service: ServiceUnderTest, value: Any) -> Any:
    return service.client.post(
        PATH, content=json.dumps(value), headers={"Content-Type": "application/json"}
    )


def paths(node: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every node's path in a JSON document (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        found.append((*where, key))
        found += paths(child, (*where, key))
    return found


def test_any_json_value_is_answered_without_an_internal_error(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(require_auth=False)

    @SETTINGS
    @given(json_values)
    def check(value: Any) -> None:
        answer_is_sound(post(service, value))

    check()


def test_any_mutation_of_a_valid_request_is_answered_without_an_internal_error(
    make_service: Callable[..., ServiceUnderTest],
) -> None:
    service = make_service(require_auth=False)
    valid = hook_request(service.engine, hook_instance="7d0c0f4e-4a5f-4d1a-9f59-3f0d1c3b8a61")
    every_path = paths(valid)

    @SETTINGS
    @given(st.sampled_from(every_path), st.booleans(), json_values)
    def check(path: tuple[Any, ...], delete: bool, value: Any) -> None:
        request = json.loads(json.dumps(valid))
        parent = request
        for key in path[:-1]:
            parent = parent[key]
        if delete:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        answer_is_sound(post(service, request))

    check()
