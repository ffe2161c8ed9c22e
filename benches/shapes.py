"""Real-world shapes the bundled corpus lacks, generated (seeded, no
downloads, a few hundred KB each): what users' documents look like beside
the standard benchmark files."""

import base64
import random

# Short strings of Japanese and Chinese UI text, and emoji with their modifiers.
JAPANESE = "設定保存削除編集表示検索ファイルユーザー名前パスワード確認キャンセル送信読み込み中エラーが発生しました。もう一度お試しください"
CHINESE = "设置保存删除编辑显示搜索文件用户名密码确认取消发送正在加载发生错误请重试您的账户已更新"
EMOJI = ["😀", "🚀", "🎉", "❤️", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "🔥", "✨", "🐍", "🦀"]
HEX = "0123456789abcdef"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def i18n_cjk(rng):
    """A flat object of short Japanese and Chinese strings, as an app's
    translation file (a UCS-2 `str` when written)."""
    doc = {}
    for i in range(4000):
        alphabet = JAPANESE if i % 2 else CHINESE
        key = f"screen_{i // 20}.{'label' if i % 3 else 'hint'}_{i}"
        doc[key] = "".join(rng.choices(alphabet, k=rng.randint(3, 40)))
    return doc


def emoji_records(rng):
    """Chat messages: ASCII mixed with 4-byte emoji and ZWJ sequences."""
    words = ["ok", "lol", "see you", "great", "on my way", "thanks", "nice", "ship it"]
    return [
        {
            "id": 10_000_000 + i,
            "user": f"user{rng.randint(1, 5000)}",
            "text": " ".join(rng.choice(words) + rng.choice(EMOJI) for _ in range(rng.randint(1, 8))),
            "reactions": {rng.choice(EMOJI): rng.randint(1, 40) for _ in range(rng.randint(0, 3))},
            "edited": i % 7 == 0,
        }
        for i in range(3000)
    ]


def notebook(rng):
    """A Jupyter-notebook-like document: small cell objects around one long
    base64 image."""
    image = base64.b64encode(rng.randbytes(200_000)).decode()
    cells = []
    for i in range(60):
        cell = {
            "cell_type": "code" if i % 3 else "markdown",
            "execution_count": i if i % 3 else None,
            "metadata": {"tags": [], "collapsed": False},
            "source": [f"x{i} = compute({i}, step={i * 0.5})\n", "print(x)\n"],
            "outputs": [],
        }
        if i == 30:
            cell["outputs"] = [{"output_type": "display_data", "data": {"image/png": image, "text/plain": ["<Figure>"]}, "metadata": {}}]
        cells.append(cell)
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}}, "nbformat": 4, "nbformat_minor": 5}


def lockfile(rng):
    """A package-lock-like object of objects with version, URL and hash strings."""
    packages = {}
    for i in range(1500):
        name = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz-", k=rng.randint(3, 14))).strip("-") or "pkg"
        version = f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}"
        packages[f"node_modules/{name}{i}"] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz",
            "integrity": "sha512-" + "".join(rng.choices(B64, k=86)) + "==",
            "dev": i % 4 == 0,
            "dependencies": {f"dep{rng.randint(0, 1500)}": f"^{rng.randint(0, 9)}.0.0" for _ in range(rng.randint(0, 4))},
        }
    return {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}


def topojson(rng):
    """A TopoJSON-like topology: arcs as arrays of small delta-coded int pairs."""
    arcs = [[[rng.randint(-500, 500), rng.randint(-500, 500)] for _ in range(rng.randint(2, 40))] for _ in range(1500)]
    geometries = [{"type": "Polygon", "arcs": [[rng.randint(0, 1499) for _ in range(rng.randint(3, 8))]], "id": f"{i:05d}"} for i in range(800)]
    return {"type": "Topology", "transform": {"scale": [0.0036, 0.0017], "translate": [-180, -85]},
            "objects": {"regions": {"type": "GeometryCollection", "geometries": geometries}}, "arcs": arcs}


def null_records(rng):
    """Database rows with many optional columns left null."""
    columns = [f"col_{c}" for c in range(24)]
    rows = []
    for i in range(1200):
        row = {"id": i}
        for c, name in enumerate(columns):
            kind = rng.random()
            if kind < 0.6:
                row[name] = None
            elif c % 3 == 0:
                row[name] = rng.randint(0, 10**6)
            elif c % 3 == 1:
                row[name] = "".join(rng.choices("abcdefghijklmnop ", k=rng.randint(2, 20)))
            else:
                row[name] = round(rng.uniform(0, 1000), 2)
        rows.append(row)
    return rows


def geojson_floats(rng):
    """A GeoJSON FeatureCollection of polygons with long float coordinates."""
    features = []
    for i in range(300):
        lon, lat = rng.uniform(-180, 170), rng.uniform(-80, 80)
        ring = [[lon + rng.uniform(0, 1), lat + rng.uniform(0, 1)] for _ in range(rng.randint(10, 60))]
        ring.append(ring[0])
        features.append({"type": "Feature", "properties": {"name": f"zone {i}", "area": rng.uniform(1, 1e6)},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


SHAPES = {
    "i18n_cjk": i18n_cjk,
    "emoji_records": emoji_records,
    "notebook": notebook,
    "lockfile": lockfile,
    "topojson": topojson,
    "null_records": null_records,
    "geojson_floats": geojson_floats,
}


def make(name):
    """The value of the named shape, the same on every run."""
    return SHAPES[name](random.Random(f"rjson-{name}"))


def large_records(megabytes):
    """A list of tweet-like records of about `megabytes` MB as JSON: the
    large document for the memory figure."""
    rng = random.Random("rjson-large")
    template = emoji_records(rng)[:200] + null_records(rng)[:200]
    copies = max(1, int(megabytes * 1_000_000 / 120_000))
    return [dict(record, copy=c) for c in range(copies) for record in template]
