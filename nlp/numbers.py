"""Numbers as news writes them: 1.32, 26,600, 1.5 million, $15k, ninety, 2.2 万, 两千, 三千五.

Each parser takes the matched text and returns a float, or None when it is not a number;
the regular expressions that find candidates live in ``nlp/wages.py`` and ``nlp/claims.py``.
"""

from __future__ import annotations

import re

# English number words, as used for amounts ("ninety cents", "a dollar", "two dollars")
_UNITS = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
          "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
          "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
          "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
          "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000,
           "m": 1_000_000, "mn": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000,
           "b": 1_000_000_000, "lakh": 100_000, "crore": 10_000_000}
_WORD_UNIT = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
              r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
              r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
              r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|a|an|a dozen|dozen)")
# "two hundred and fifty", "three thousand", "a dollar"
WORD_NUMBER = (rf"(?:{_WORD_UNIT}(?:(?:\sand\s|[- ])(?:hundred|thousand|million|"
               rf"{_WORD_UNIT}))*)")
# 26,600 | 1.32 | 1 200 (thin space) | .5 ; then an optional scale word or suffix
DIGITS = r"(?:\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+)(?:\.\d+)?|\.\d+"
SCALE = r"(?:\s?(?:hundred|thousand|million|billion|lakh|crore|mn|bn)\b|(?:k|K|m|M|bn)\b)"

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "壹": 1, "贰": 2, "叁": 3, "肆": 4,
              "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_ZH_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_ZH_LARGE = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
ZH_NUMERAL = "[零〇一二两俩三四五六七八九十百千万萬亿億壹贰叁肆伍陆柒捌玖拾佰仟]+"
# 2.2 万 | 1.5万 | 3000 | 两千 | 三千五 | 2万5
ZH_NUMBER = (rf"(?:[一二两三四五六七八九][二三四五六七八九][十百千万]"
             rf"|(?:十|[一二两三四五六七八九]十)几|几[十百千万]|[过上]万"
             rf"|(?:{DIGITS})\s?(?:[万萬亿億]\s?(?:\d+\s?[千百]?|[零一二两三四五六七八九][千百]?)?"
             rf"|[千百])?|{ZH_NUMERAL})")

_SEPARATORS = re.compile(r"[,\u202f\u00a0 ]")
_DIGIT_SCALE = re.compile(rf"^({DIGITS})\s*([A-Za-z]+)?$")


def parse_digits(text: str) -> float | None:
    """``26,600`` → 26600.0, ``1.5 million`` → 1500000.0, ``15k`` → 15000.0."""
    match = _DIGIT_SCALE.match(text.strip())
    if not match:
        return None
    value = float(_SEPARATORS.sub("", match.group(1)))
    if match.group(2):
        scale = _SCALES.get(match.group(2).lower())
        if scale is None:
            return None
        value *= scale
    return value


def parse_words(text: str) -> float | None:
    """``ninety`` → 90, ``twenty-five`` → 25, ``a`` → 1, ``two thousand`` → 2000."""
    total, current = 0.0, 0.0
    seen = False
    for word in re.split(r"[\s-]+", text.strip().lower()):
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word == "dozen":
            current, seen = max(current, 1) * 12, True
        elif word in _SCALES and seen:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0.0
        elif word == "and":
            continue
        else:
            return None
    return total + current if seen else None


def parse_chinese(text: str) -> float | None:
    """``两千`` → 2000, ``三千五`` → 3500, ``2.2万`` → 22000, ``1.5 亿`` → 150000000,
    ``十二`` → 12, ``2万5`` → 25000, ``2万8千`` → 28000, ``一百零五`` → 105."""
    text = text.replace(" ", "").replace(",", "").replace("，", "")
    if not text:
        return None
    total, section, number = 0.0, 0.0, None
    last_unit = 1
    zero = False  # 一百零五 = 105: after a 零 the last digit is units, not one order below
    for token in _ZH_TOKEN.findall(text):
        if token[0].isdecimal() or len(token) > 1:  # 12, 2.5, .5 (not "²" or a lone ".")
            number = float(token)
        elif token in "零〇":
            zero = True
        elif token in _ZH_DIGITS and token not in _ZH_SMALL:
            number = _ZH_DIGITS[token]
        elif token in _ZH_SMALL:
            unit = _ZH_SMALL[token]
            section += (number if number is not None else 1) * unit
            number, last_unit, zero = None, unit, False
        elif token in _ZH_LARGE:
            section += number or 0
            total += (section or 1) * _ZH_LARGE[token]
            section, number, last_unit, zero = 0, None, _ZH_LARGE[token], False
        else:
            return None
    if number is not None and not zero and last_unit >= 100 and number < 10 \
            and float(number).is_integer():
        number *= last_unit / 10  # 三千五 = 3500, 两万三 = 23000, 2万5 = 25000
    return total + section + (number or 0)


# what a number can end with, just before a currency word: "ninety", "million", 千, 多
NUMBER_WORDS = frozenset([*_UNITS, *_SCALES, "dozen"])
ZH_NUMBER_CHARS = frozenset([*_ZH_DIGITS, *_ZH_SMALL, *_ZH_LARGE, "〇", "几", "多", "余", "来"])

_ZH_TOKEN = re.compile(r"\d+(?:\.\d+)?|\.\d+|.")
# two neighbouring digits and a unit: 三四千 (3,000 to 4,000), 五六千元, 十几 (more than ten)
ZH_APPROX = re.compile(r"([一二两三四五六七八九])([二三四五六七八九])([十百千万])"
                       r"|(十|[一二两三四五六七八九]十)几|几([十百千万])")


def parse_chinese_range(text: str) -> tuple[float, float | None, str | None] | None:
    """``三四千`` → (3000, 4000, between), ``十几`` → (10, None, more_than),
    ``几千`` → (1000, None, more_than)."""
    if text.strip() in ("过万", "上万"):  # 月入过万: more than ten thousand
        return 10000.0, None, "more_than"
    match = ZH_APPROX.fullmatch(text.strip())
    if not match:
        return None
    if match.group(1):
        unit = _ZH_SMALL.get(match.group(3)) or _ZH_LARGE[match.group(3)]
        low, high = _ZH_DIGITS[match.group(1)], _ZH_DIGITS[match.group(2)]
        return (low * unit, high * unit, "between") if high == low + 1 else None
    if match.group(4):
        return parse_chinese(match.group(4)), None, "more_than"
    unit = _ZH_SMALL.get(match.group(5)) or _ZH_LARGE[match.group(5)]
    return float(unit), None, "more_than"
