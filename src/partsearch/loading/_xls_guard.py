"""A legacy XLS checked against its own size before fastexcel reads it.

calamine, under fastexcel, allocates what a compound file's header and directory, and a
workbook's SST and a sheet's dimensions, declare before it reads what they describe: a damaged
6 KB file asked it for 14 GB, which aborts the process (or has the kernel kill it, and others
with it). So every count and size they declare is checked against the bytes the file holds,
and every sector number against the sectors it has; a file that fails is refused with what is
wrong, as a damaged spreadsheet. The checks read the header, the sector tables, the directory,
and a few records of the workbook stream: the globals up to the SST, and each sheet up to its
dimensions (numpy for the tables; the records are a short walk).
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["hidden_sheets", "xls_problem"]

_FREE, _END, _FAT_SECTOR, _DIFAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
_MAX_REGULAR = 0xFFFFFFFA  # sector numbers from here on are markers, not sectors
_BOF, _EOF, _BOUNDSHEET, _SST, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x00FC, 0x0200
_HEAD_RECORDS = 64  # a sheet's dimensions come among its first records


class _Damaged(Exception):
    pass


def xls_problem(data: bytes) -> str | None:
    """What in the compound file ``data`` declares more than it holds, or None.

    >>> xls_problem(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100))
    'truncated compound file header'
    """
    try:
        stream = _workbook(data)
        if stream is not None:
            _check_records(stream)
    except _Damaged as exc:
        return str(exc)
    except (struct.error, IndexError, ValueError):
        return "damaged compound file"
    return None


def hidden_sheets(data: bytes) -> list[bool] | None:
    """Whether each sheet of the workbook is hidden (or very hidden), in its BoundSheet
    records' order; None when the file does not say (damaged: its read says what is wrong)."""
    try:
        stream = _workbook(data)
    except (_Damaged, struct.error, IndexError, ValueError):
        return None
    if stream is None:
        return None
    at, hidden = 0, []
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        if kind == _BOUNDSHEET and length >= 6 and at + 10 <= len(stream):
            hidden.append(stream[at + 8] & 3 != 0)  # (its hsState, after the sheet's offset)
        elif kind == _EOF:
            break
        at += 4 + length
    return hidden


def _workbook(data: bytes) -> bytes | None:
    """The workbook stream, its header, tables and directory checked; None when there is
    no stream calamine would read (it says so itself)."""
    if len(data) < 512:
        raise _Damaged("truncated compound file header")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        return None  # calamine refuses it, with its own words
    size = 1 << shift
    sectors = -(-max(len(data) - size, 0) // size)  # after the header's (a short last one too)
    (dir_len, fat_len, dir_start, _, _, minifat_start, minifat_len, difat_start,
     difat_len) = struct.unpack_from("<9I", data, 0x28)
    for name, count in (("directory", dir_len), ("FAT", fat_len), ("mini FAT", minifat_len),
                        ("DIFAT", difat_len)):
        if count > sectors:
            raise _Damaged(f"compound file header declares {count} {name} sectors; "
                           f"the file holds {sectors}")

    def sector(i: int) -> bytes:
        if not 0 <= i < sectors:
            raise _Damaged(f"sector {i} past the file's {sectors}")
        return data[(i + 1) * size:(i + 2) * size]

    def chain(start: int, table: np.ndarray) -> list[int]:
        out: list[int] = []
        while start != _END:
            if start >= table.size or len(out) > table.size:
                raise _Damaged("a sector chain runs off its table or loops")
            out.append(start)
            start = int(table[start])
        return out

    def read(numbers: list[int]) -> bytes:
        """The sectors ``numbers`` in turn: one slice when they follow each other, as a
        writer lays a stream out."""
        if numbers and numbers[-1] - numbers[0] == len(numbers) - 1 and numbers == list(
                range(numbers[0], numbers[-1] + 1)):
            sector(numbers[-1])  # (its bounds checked)
            return data[(numbers[0] + 1) * size:(numbers[-1] + 2) * size]
        return b"".join(sector(i) for i in numbers)

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    at, seen = difat_start, 0
    while at not in (_END, _FREE):  # (as calamine follows it, whatever the count says)
        seen += 1
        if seen > sectors:
            raise _Damaged("the compound file's sector index loops")
        block = struct.unpack(f"<{size // 4}I", sector(at))
        difat.extend(block[:-1])
        at = block[-1]
    fat_sectors = [i for i in difat if i != _FREE][:fat_len]
    fat = np.frombuffer(b"".join(sector(i) for i in fat_sectors), "<u4")
    regular = fat[fat < _MAX_REGULAR]
    if regular.size and int(regular.max()) >= sectors:
        raise _Damaged(f"the sector table names sector {int(regular.max())}; "
                       f"the file holds {sectors}")
    directory = read(chain(dir_start, fat))
    streams: dict[str, tuple[int, int, int]] = {}
    for off in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, off + 0x40)
        if kind not in (1, 2, 5):
            continue
        start = struct.unpack_from("<I", directory, off + 0x74)[0]
        length = struct.unpack_from("<I" if shift == 9 else "<Q", directory, off + 0x78)[0]
        if length > len(data):
            raise _Damaged(f"a compound file stream declares {length} bytes; "
                           f"the file holds {len(data)}")
        name = directory[off:off + max(min(name_len, 64) - 2, 0)].decode("utf-16-le",
                                                                        "replace")
        streams.setdefault(name.lower(), (kind, start, length))
    if minifat_len:
        chain(minifat_start, fat)
    found = streams.get("workbook") or streams.get("book")
    if found is None:
        return None
    _, start, length = found
    if length >= 4096:
        return read(chain(start, fat))[:length]
    root = next((v for v in streams.values() if v[0] == 5), None)
    if root is None:
        raise _Damaged("a compound file without its root entry")
    mini = read(chain(root[1], fat))[:root[2]]
    minifat = np.frombuffer(read(chain(minifat_start, fat)), "<u4")
    out = b"".join(mini[i * 64:(i + 1) * 64] for i in chain(start, minifat))[:length]
    return out


def _check_records(stream: bytes) -> None:
    """The workbook's SST count, each sheet's dimensions, and the columns its cells name:
    calamine allocates a sheet's table from its first cell's row to its last's and from its
    leftmost column to its rightmost, so one cell record damaged to name column 32767 asked
    for 136 GB (BIFF has 256 columns; its rows, 65,536, fit in the record's two bytes)."""
    sheets = _globals_starts(stream)
    for at in sheets:
        _check_dimensions(stream, at)
    if sheets:
        from partsearch.loading._xls_kernel import widest_column

        column = widest_column(np.frombuffer(stream, dtype=np.uint8),
                               np.array(sheets, dtype=np.int64))
        if column >= 256:
            raise _Damaged(f"a cell names column {column}; a legacy XLS has 256")


def _globals_starts(stream: bytes) -> list[int]:
    """Where each sheet's records start (the globals' BoundSheet records), the SST's count
    checked on the way."""
    at, sheets = 0, []
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4:at + 4 + length]
        if kind == _BOUNDSHEET and len(body) >= 4:
            sheets.append(struct.unpack_from("<I", body)[0])
        elif kind == _SST and len(body) >= 8:
            unique = struct.unpack_from("<I", body, 4)[0]
            if unique > len(stream):  # (each string takes three bytes at least)
                raise _Damaged(f"the workbook declares {unique} shared strings; "
                               f"its stream holds {len(stream)} bytes")
        elif kind == _EOF:
            break
        at += 4 + length
    return sheets


def _check_dimensions(stream: bytes, at: int) -> None:
    """The dimensions among the first records of the sheet at ``at``, within BIFF's."""
    for _ in range(_HEAD_RECORDS):
        if at + 4 > len(stream):
            return
        kind, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4:at + 4 + length]
        if kind == _DIMENSIONS:
            if len(body) == 14:
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
            elif len(body) == 10:
                first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
            else:
                return
            if (last_row > 1 << 16 or last_col > 1 << 8  # BIFF8's 65,536 x 256
                    or 0 < last_row <= first_row or 0 < last_col <= first_col):
                raise _Damaged(f"a sheet declares rows {first_row} to {last_row} and "
                               f"columns {first_col} to {last_col}")
            return
        if kind == _EOF:
            return
        at += 4 + length
