"""QuestionnaireResponses (STarT Back, ODI, FABQ, axSpA features) onto the assessment's
``questionnaires`` block; part of the FHIR input (docs/fhir.md)."""

from __future__ import annotations

from typing import Any

from careengine.io.fhir import codes as c
from careengine.io.fhir.mapping_state import MappingState, Resource, Skip, calendar_date

#: The numbered questionnaires and how many items each has.
ITEM_COUNTS = {"odi": 10, "fabq": 16}


class QuestionnaireReader(MappingState):
    """Reads the careengine questionnaires: numbered items (ODI, FABQ) or checklists whose
    "yes" answers are listed (STarT Back agree items, axSpA features)."""

    def questionnaire_response(self, path: str, qr: Resource) -> None:
        status = qr.get("status")
        if status in {"entered-in-error"}:
            raise Skip
        canonical = str(qr.get("questionnaire", "")).split("|")[0]
        key = next((k for k, url in c.QUESTIONNAIRES.items() if url == canonical), None)
        if key is None:
            self.unmappable(path, qr, f"for questionnaire {canonical!r}")
            return
        if status not in {"completed", "amended"}:
            self.problem(f"{path}.status", f"{status!r}: only a completed response is used")
            return
        if "authored" in qr:
            self.dates.append((calendar_date(qr["authored"]), f"{path}.authored"))
        answers: dict[str, tuple[Any, str]] = {}
        for i, item in enumerate(qr.get("item") or ()):
            item_path = f"{path}.item[{i}]"
            link = item.get("linkId") if isinstance(item, dict) else None
            if not isinstance(link, str) or item.get("item"):
                self.problem(item_path, "needs a linkId and no nested items")
                continue
            if link in answers:
                self.problem(f"{item_path}.linkId", f"item {link!r} is answered twice")
                continue
            given = item.get("answer") or []
            if len(given) > 1:
                self.problem(f"{item_path}.answer", "has more than one answer")
                continue
            answers[link] = (given[0] if given else None, item_path)
        target = f"questionnaires.{key}"
        if target in self.where:
            self.problem(path, f"{target} is given twice (also at {self.where[target]})")
            return
        self.locate(target, path)
        if key in ("startback", "axspa_features"):
            self.checklist(key, answers, target)
        else:
            self.numbered(key, answers, target)

    def checklist(self, key: str, answers: dict[str, tuple[Any, str]], target: str) -> None:
        chosen: list[Any] = []
        block: dict[str, Any] = {}
        for link, (answer, item_path) in answers.items():
            if key == "startback" and link == "9":
                coding = (answer or {}).get("valueCoding") or {}
                if coding.get("system") != c.BOTHERSOMENESS:
                    self.problem(item_path, f"item 9 needs a valueCoding from {c.BOTHERSOMENESS}")
                    continue
                block["bothersomeness"] = coding.get("code")
                self.where[f"{target}.bothersomeness"] = item_path
                continue
            value = (answer or {}).get("valueBoolean")
            if not isinstance(value, bool):
                self.problem(item_path, "needs a valueBoolean answer")
                continue
            if value:
                self.where[f"{target}{'.agree' if key == 'startback' else ''}[{len(chosen)}]"] = (
                    item_path
                )
                chosen.append(int(link) if key == "startback" and link.isdigit() else link)
        if key == "startback":
            self.data.setdefault("questionnaires", {})[key] = {"agree": chosen} | block
        else:
            self.data.setdefault("questionnaires", {})[key] = chosen

    def numbered(self, key: str, answers: dict[str, tuple[Any, str]], target: str) -> None:
        count = ITEM_COUNTS[key]
        values: list[Any] = [None] * count
        for link, (answer, item_path) in answers.items():
            if not link.isdigit() or not 1 <= int(link) <= count:
                self.problem(f"{item_path}.linkId", f"{key} has items 1 to {count}, not {link!r}")
                continue
            field = "sections" if key == "odi" else "answers"
            self.where[f"{target}.{field}[{int(link) - 1}]"] = item_path
            if answer is not None:
                if "valueInteger" not in answer:
                    self.problem(item_path, "needs a valueInteger answer")
                    continue
                values[int(link) - 1] = answer["valueInteger"]
        field = "sections" if key == "odi" else "answers"
        self.data.setdefault("questionnaires", {})[key] = {field: values}
