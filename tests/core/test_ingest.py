"""The generic import machinery: streamed readers with line numbers, errors, limits."""

from __future__ import annotations

import io

import pytest

from core.errors import DomainError
from core.ingest import (
    ErrorCollector,
    batched,
    check_field_sizes,
    detect_format,
    open_source,
    progress_bar,
)
from core.records import iter_csv, iter_json_array, iter_jsonl, load_document


def read(fn, data: bytes, chunk: int | None = None):
    errors = ErrorCollector(file="in.txt")
    stream = io.BufferedReader(io.BytesIO(data), 8)
    if chunk:
        import core.records as readers

        old = readers.CHUNK_BYTES
        readers.CHUNK_BYTES = chunk
        try:
            records = [(r.line, r.data) for r in fn(stream, errors=errors)]
        finally:
            readers.CHUNK_BYTES = old
    else:
        records = [(r.line, r.data) for r in fn(stream, errors=errors)]
    return records, [str(d) for d in errors.details]


def test_jsonl_yields_records_with_their_line_and_skips_blank_lines():
    records, errors = read(iter_jsonl, b'{"a": 1}\n\n{"a": 2}\n')
    assert records == [(1, {"a": 1}), (3, {"a": 2})]
    assert errors == []


def test_jsonl_reports_each_broken_line_and_keeps_reading():
    records, errors = read(iter_jsonl, b'{"a": 1}\n{"a": \n{"a": 3}\n[1,}\n')
    assert records == [(1, {"a": 1}), (3, {"a": 3})]
    assert len(errors) == 2
    assert errors[0].startswith("in.txt:2: is not valid JSON")
    assert errors[1].startswith("in.txt:4: is not valid JSON")


def test_jsonl_with_byte_order_mark_parses():
    records, _ = read(iter_jsonl, b'\xef\xbb\xbf{"a": 1}\n')
    assert records == [(1, {"a": 1})]


@pytest.mark.parametrize("chunk", [None, 3, 7])
def test_json_array_streams_elements_with_start_lines_across_chunk_borders(chunk):
    data = b'[\n  {"a": "x,]}"},\n  {"b": [1, {"c": "\\"q"}]},\n\n  3\n]\n'
    records, errors = read(iter_json_array, data, chunk)
    assert errors == []
    assert records == [(2, {"a": "x,]}"}), (3, {"b": [1, {"c": '"q'}]}), (5, 3)]


def test_json_array_reports_a_broken_element_and_continues():
    records, errors = read(iter_json_array, b'[{"a": 1},\n{"a": tru},\n{"a": 3}]')
    assert records == [(1, {"a": 1}), (3, {"a": 3})]
    assert len(errors) == 1 and errors[0].startswith("in.txt:2: is not valid JSON")


def test_json_array_not_closed_is_an_error():
    _, errors = read(iter_json_array, b'[{"a": 1},\n{"a": 2}\n')
    assert errors == ["in.txt:2: the JSON array is not closed: unexpected end of file"]


def test_json_array_must_start_with_a_bracket():
    _, errors = read(iter_json_array, b'  {"a": 1}')
    assert errors == ["in.txt:1: expected a JSON array starting with '[', found '{'"]


def test_json_array_trailing_comma_and_trailing_data_are_errors():
    _, errors = read(iter_json_array, b"[1,]")
    assert errors == ["in.txt:1: is not valid JSON: an array element is missing between commas"]
    _, errors = read(iter_json_array, b"[1]\n\nx")
    assert errors == ["in.txt:3: unexpected data after the end of the JSON array"]


def test_empty_json_array_has_no_records():
    assert read(iter_json_array, b"[ ]\n") == ([], [])


def test_csv_rows_carry_the_line_they_start_on_even_with_multiline_cells():
    data = b'id,prompt\ns-1,"two\nlines"\ns-2,plain\n'
    records, errors = read(iter_csv, data)
    assert errors == []
    assert records == [
        (2, {"id": "s-1", "prompt": "two\nlines"}),
        (4, {"id": "s-2", "prompt": "plain"}),
    ]


def test_csv_row_with_the_wrong_number_of_values_is_reported():
    records, errors = read(iter_csv, b"id,prompt\ns-1,a,b\ns-2\ns-3,c\n")
    assert records == [(4, {"id": "s-3", "prompt": "c"})]
    assert errors == [
        "in.txt:2: has 3 values but the header has 2 columns",
        "in.txt:3: has 1 values but the header has 2 columns",
    ]


def test_csv_reader_leaves_the_callers_stream_open():
    stream = io.BytesIO(b"id\n1\n")
    list(iter_csv(stream, errors=ErrorCollector()))
    assert not stream.closed


def test_collector_keeps_fifty_and_counts_the_rest():
    errors = ErrorCollector(file="f.jsonl")
    for line in range(1, 61):
        errors.add("is required", field="id", line=line)
    assert errors.full
    with pytest.raises(DomainError) as caught:
        errors.raise_if_any()
    assert len(caught.value.details) == 50
    assert caught.value.message == "60 errors (the first 50 are listed); nothing was imported."
    assert str(caught.value.details[0]) == "f.jsonl:1 id: is required"


def test_a_ten_megabyte_field_is_rejected_naming_field_line_and_limit(settings):
    settings.IMPORT_MAX_FIELD_BYTES = 1024 * 1024
    errors = ErrorCollector(file="big.jsonl")
    data = {"id": "s-1", "messages": [{"role": "user", "content": "x" * (10 * 1024 * 1024)}]}
    assert not check_field_sizes(data, line=7, errors=errors)
    assert [str(d) for d in errors.details] == [
        "big.jsonl:7 messages[0].content: is 10 MiB; the largest allowed is 1 MiB "
        "(IMPORT_MAX_FIELD_BYTES)"
    ]


def test_field_size_counts_utf8_bytes_not_characters(settings):
    settings.IMPORT_MAX_FIELD_BYTES = 10
    errors = ErrorCollector()
    assert check_field_sizes({"a": "é" * 5}, line=1, errors=errors)  # 10 bytes
    assert not check_field_sizes({"a": "é" * 6}, line=1, errors=errors)  # 12 bytes


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("s.jsonl", b"", "jsonl"),
        ("s.csv", b"", "csv"),
        ("p.yml", b"", "yaml"),
        ("s.json", b'[{"a": 1}]', "json"),
        ("s.json", b'{"a": 1}\n{"a": 2}\n', "jsonl"),
        ("s.json", b'{\n  "a": 1\n}', "json"),
        (None, b'  [{"a": 1}]', "json"),
        (None, b'{"a": 1}\n', "jsonl"),
        (None, b"id,prompt\n", "csv"),
    ],
)
def test_detect_format(name, head, fmt):
    assert detect_format(name, head) == fmt


def test_load_document_reports_yaml_errors_with_line(tmp_path):
    path = tmp_path / "project.yaml"
    path.write_text("slug: a\nrubric:\n  - key: [unclosed\n")
    with pytest.raises(DomainError) as caught:
        load_document(path)
    assert caught.value.details[0].file == str(path)
    assert caught.value.details[0].line is not None
    assert caught.value.message.startswith("is not valid YAML")


def test_load_document_parses_json_and_yaml(tmp_path):
    (tmp_path / "p.json").write_text('{"slug": "a"}')
    (tmp_path / "p.yaml").write_text("slug: b\n")
    assert load_document(tmp_path / "p.json") == {"slug": "a"}
    assert load_document(tmp_path / "p.yaml") == {"slug": "b"}


def test_open_source_accepts_paths_bytes_and_text_and_counts_bytes(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    seen = []
    with open_source(path, on_read=seen.append) as src:
        assert src.size == 9 and src.name == str(path)
        assert src.stream.read() == b'{"a": 1}\n'
    assert sum(seen) == 9
    with open_source(b"xyz", name="up.csv") as src:
        assert src.stream.read() == b"xyz" and src.name == "up.csv"
    with open_source(io.StringIO("é")) as src:
        assert src.stream.read() == "é".encode()


def test_open_source_missing_file_names_it(tmp_path):
    with pytest.raises(DomainError) as caught, open_source(tmp_path / "nope.jsonl"):
        pass
    assert "nope.jsonl" in str(caught.value)


def test_batched_and_disabled_progress_bar():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    bar = progress_bar(total=10, stream=io.StringIO())
    bar.update(5)
    bar.close()
    assert bar.disable
