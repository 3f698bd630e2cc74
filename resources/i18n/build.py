"""Rebuild the translation: collect the sources (pyside6-lupdate), write the translations of
zh_TW.py into gdplay_zh_TW.ts, compile gdplay_zh_TW.qm (pyside6-lrelease).

    python3 resources/i18n/build.py
"""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from zh_TW import ZH_TW  # noqa: E402

TS = HERE / "gdplay_zh_TW.ts"
QM = HERE / "gdplay_zh_TW.qm"


def main() -> int:
    sources = sorted(str(p) for p in (ROOT / "gdplay" / "ui").glob("*.py"))
    subprocess.run(["pyside6-lupdate", *sources, "-no-obsolete", "-ts", str(TS)], check=True,
                   capture_output=True)
    tree = ET.parse(TS)
    missing = []
    for context in tree.getroot().iter("context"):
        name = context.find("name").text
        for message in context.iter("message"):
            source = message.find("source").text
            translation = message.find("translation")
            text = ZH_TW.get(name, {}).get(source)
            if text is None:
                missing.append(f"{name}: {source}")
                continue
            translation.text = text
            translation.attrib.pop("type", None)
    tree.getroot().set("language", "zh_TW")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run(["pyside6-lrelease", str(TS), "-qm", str(QM)], check=True, capture_output=True)
    for m in missing:
        print("missing:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
