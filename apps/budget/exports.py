"""Budget tables as Excel workbooks: Chinese headers, money as numbers with two places and
rates as percentages (so that the sheet can still be summed and charted)."""

import io
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"money": "#,##0.00", "rate": "0.00%", "text": "@", "int": "0"}
WIDTHS = {"money": 16, "rate": 10, "text": 24, "int": 8}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "money"  # money, rate, text or int


EXECUTION = (Column("key", "编码", "text"), Column("name", "名称", "text"),
             Column("amount", "预算金额"), Column("committed", "已冻结"),
             Column("executed", "已支付"), Column("available", "可用余额"),
             Column("execution_rate", "执行率", "rate"))
SANGONG = (Column("code", "科目编码", "text"), Column("name", "科目名称", "text"),
           Column("amount", "本年预算"), Column("executed", "本年支出"),
           Column("last_year_executed", "上年支出"), Column("change", "增减额"),
           Column("change_rate", "增减率", "rate"))
BUDGET_TABLE = (Column("code", "科目编码", "text"), Column("name", "科目名称", "text"),
                Column("amount", "预算合计"), Column("basic", "基本支出"),
                Column("project", "项目支出"))
FINAL_ACCOUNT = (Column("code", "科目编码", "text"), Column("name", "科目名称", "text"),
                 Column("amount", "预算数"), Column("executed", "决算数（已支付）"),
                 Column("execution_rate", "执行率", "rate"))


def _value(value, kind: str):
    if value is None:
        return None
    if kind in ("money", "rate"):
        return float(value)  # Excel keeps numbers as doubles; two places are exact enough
    return value if kind == "int" else str(value)


def workbook_bytes(*, title: str, subtitle: str, columns: tuple[Column, ...],
                   rows: list[dict]) -> bytes:
    """One sheet: a title line, a subtitle line, the header row, then one line per row (rows
    with level "class" or "total" in bold)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    sheet.append([column.title for column in columns])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        sheet.append([_value(row.get(column.key), column.kind) for column in columns])
        bold = row.get("level") in ("class", "total") or row.get("name") in ("合计",
                                                                             "三公经费合计")
        for cell, column in zip(sheet[sheet.max_row], columns, strict=True):
            cell.number_format = FORMATS[column.kind]
            if bold:
                cell.font = Font(bold=True)
    for index, column in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = WIDTHS[column.kind]
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """The workbook as a download (ASCII file name, and the UTF-8 one for browsers)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{filename.encode('ascii', 'ignore').decode() or 'table'}.xlsx\"; "
        f"filename*=UTF-8''{quote(filename)}.xlsx")
    response["X-Content-Type-Options"] = "nosniff"
    return response
