"""The plan's ``provenance``: what made it (engine, backend, plugins, packs, options).

The fingerprint is the sha256 of the engine version, the plugins' versions, the packs' versions
and digests, the merge options and the clinic options (:mod:`careengine.plugins.options`), so two
plans made by different knowledge bases or under different options have different fingerprints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from careengine.model import PackInfo, Provenance
from careengine.rules.model import RulePack
from careengine.version import __version__


def make_provenance(
    *,
    backend: str,
    plugins: Mapping[str, str],
    packs: Sequence[RulePack],
    merge_options: Mapping[str, Any],
    options: Mapping[str, str],
) -> Provenance:
    """The provenance every plan of one engine carries (its ``content_sha256`` is the writer's).

    :param plugins: plugin name -> version.
    :param merge_options: the merge's settings as plain data (``attrs.asdict``).
    :param options: the resolved clinic options, every declared one.
    """
    plugins = dict(sorted(plugins.items()))
    infos = {p.id: PackInfo(version=p.version, sha256=p.sha256) for p in packs}
    whole = json.dumps(
        {
            "engine": __version__,
            "plugins": plugins,
            "packs": {k: [v.version, v.sha256] for k, v in infos.items()},
            "options": merge_options,
            "plugin_options": dict(options),
        },
        sort_keys=True,
    )
    return Provenance(
        engine_version=__version__,
        backend=backend,
        plugins=plugins,
        packs=infos,
        fingerprint="sha256:" + hashlib.sha256(whole.encode()).hexdigest(),
        options=options,
    )
