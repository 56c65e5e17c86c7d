"""The patient handout's stylesheet: inline in the page, readable on a phone, printable.

On screen the page is one column of at most 46em that reflows down to a 320 px phone (long
words break instead of running off the side). In print (A4 or Letter, whichever the printer
uses) the text is 10 pt, every exercise card, stage tile and warning stays whole on one page (a
treatment or advice card of the visits may go on over the page), and a heading never ends a
page; nothing forces a page break, so no page is left half empty.
tests/render/test_handout_browser.py checks both in a real browser.
"""

from __future__ import annotations

__all__ = ["STYLE"]

STYLE = """
* { box-sizing: border-box; }
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 1.5em auto;
       padding: 0 1em; color: #111; line-height: 1.4; overflow-wrap: anywhere; }
h1 { font-size: 1.5em; margin: 0 0 0.2em; }
h2 { font-size: 1.2em; border-bottom: 2px solid #333; padding-bottom: 0.1em;
     margin: 1.2em 0 0.5em; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 1.05em; margin: 0 0 0.15em; break-after: avoid; page-break-after: avoid; }
ul, ol { margin: 0.2em 0; padding-left: 1.4em; }
p { margin: 0.3em 0; }
.meta { color: #444; }
.clinic { display: flex; flex-wrap: wrap; gap: 0.4em; margin: 0.6em 0; }
.clinic span { flex: 1 1 9em; border: 1px solid #999; padding: 0.3em 0.5em; min-height: 2.4em; }
.warning { border: 4px solid #b00000; background: #fff0f0; padding: 0.8em 1em; margin: 1em 0;
           break-inside: avoid; page-break-inside: avoid; }
.warning h2 { color: #b00000; border: none; margin-top: 0; }
.note { border-left: 6px solid #c60; padding: 0.3em 0.8em; margin: 0.5em 0; background: #fff8f0;
        break-inside: avoid; page-break-inside: avoid; }
.start { border: 2px solid #333; border-radius: 6px; padding: 0.4em 0.8em; margin: 0.5em 0; }
.card { display: flex; flex-wrap: wrap; gap: 0.3em 0.9em; border: 1px solid #bbb;
        border-radius: 6px; padding: 0.5em 0.8em; margin: 0.6em 0;
        break-inside: avoid; page-break-inside: avoid; }
.card .side { flex: 0 0 154px; }
.card .figure { display: block; margin: 0 auto; }
.card .body { flex: 1 1 16em; min-width: 0; }
.who { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.05em; color: #444; }
.dosage { font-weight: bold; }
.tips { background: #f4f8ff; padding: 0.3em 0.7em; border-radius: 4px; margin-top: 0.3em; }
.care { background: #fff8e0; padding: 0.3em 0.7em; border-radius: 4px; margin-top: 0.3em; }
.week { border-collapse: collapse; margin-top: 0.4em; table-layout: fixed; width: 154px; }
.week td { border: 1px solid #999; height: 2.2em; padding: 0; text-align: center;
           font: 9px/1.2 Arial, Helvetica, sans-serif; vertical-align: top; overflow: hidden; }
.visits { display: grid; grid-template-columns: repeat(auto-fill, minmax(18em, 1fr));
          gap: 0 0.6em; }
.visits .card { margin: 0.3em 0; font-size: 0.92em; break-inside: auto; page-break-inside: auto; }
.visits .card h3, .visits .card .dosage { break-after: avoid; page-break-after: avoid; }
.visits .card li, .tips, .care { break-inside: avoid; page-break-inside: avoid; }
.stage { break-inside: avoid; page-break-inside: avoid; }
.tiles { display: flex; flex-wrap: wrap; gap: 0.4em; margin: 0.4em 0; }
.tile { flex: 1 1 15em; min-width: 0; display: flex; align-items: center; gap: 0.5em;
        border: 1px solid #ccc; border-radius: 4px; padding: 0.2em 0.5em;
        break-inside: avoid; page-break-inside: avoid; }
.tile .figure { flex: 0 0 60px; width: 60px; height: 40px; }
.tile .name { font-weight: bold; }
.tile .how { font-size: 0.85em; color: #444; }
.later { color: #444; font-size: 0.95em; }
.lead, .stage h3, .stage .later { break-after: avoid; page-break-after: avoid; }
.here { background: #333; color: #fff; border-radius: 3px; padding: 0 0.4em; font-size: 0.8em; }
@page { margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; line-height: 1.3; }
  h2 { margin-top: 0.8em; }
  .card { margin: 0.4em 0; padding: 0.35em 0.6em; }
}
"""
