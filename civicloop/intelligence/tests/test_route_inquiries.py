# SPDX-License-Identifier: MPL-2.0
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civicloop.accounts.models import Department
from civicloop.intelligence.models import RoutingModel

pytestmark = pytest.mark.django_db


def test_it_writes_one_line_per_good_input_and_reports_bad_lines(
    routing_model: RoutingModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a file with good lines and every kind of bad line
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'{"id": 1, "text": "\xe7\xb2\x97\xe5\xa4\xa7\xe3\x81\x94\xe3\x81\xbf\xe3\x82\x92\xe5\x87\xba\xe3\x81\x97\xe3\x81\x9f\xe3\x81\x84"}\n'
        b"not json at all\n"
        b'{"text": "no id"}\n'
        b'{"id": 4, "text": 42}\n'
        b"[1, 2, 3]\n"
        b'{"id": "six", "text": "\xff\xfe broken utf-8"}\n'
        b"\n"
        b'{"id": "eight", "text": "\xe5\x85\x90\xe7\xab\xa5\xe6\x89\x8b\xe5\xbd\x93\xe3\x81\xae\xe7\x94\xb3\xe8\xab\x8b"}\n'
    )
    output = tmp_path / "out.jsonl"
    # when it runs
    call_command("route_inquiries", input=source, output=output)
    # then good lines are routed in order with valid codes and bad ones named on stderr
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [1, "eight"]
    codes = set(Department.objects.values_list("code", flat=True))
    for line in lines:
        assert set(line) == {"id", "department", "confidence", "top3"}
        assert line["department"] in codes and 0 <= line["confidence"] <= 1
        assert len(line["top3"]) == 3 and line["top3"][0][0] == line["department"]
    assert lines[0]["department"] == "seiso"
    assert lines[1]["department"] == "kosodate_kyufu"
    err = capsys.readouterr().err
    for number in (2, 3, 4, 5, 6):
        assert f"line {number}:" in err
    assert "line 7:" not in err and "line 8:" not in err


def test_it_refuses_to_run_without_a_model(catalog: None, tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "x"}\n')
    with pytest.raises(CommandError, match="no routing model"):
        call_command("route_inquiries", input=tmp_path / "in.jsonl", output=tmp_path / "out.jsonl")


def test_a_missing_input_file_is_a_clear_error(routing_model: RoutingModel, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("route_inquiries", input=tmp_path / "nope.jsonl", output=tmp_path / "out.jsonl")
