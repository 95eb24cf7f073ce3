"""Wages: money that is pay, with its currency, range, qualifier and period, in English and
Chinese; money that is not pay (funding, valuations, revenue, contracts, fines) is left out.

Candidates are found with regular expressions built from ``config/nlp/currencies.yaml``; the
words that mark pay, non-pay, qualifiers and periods live in ``config/nlp/wages.yaml``. The
decision for each candidate reads only its clause, so a sentence with a wage and a funding
round keeps the one and drops the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from config.yamlio import safe_load
from nlp.lexicon import han_variants
from nlp.numbers import (
    DIGITS,
    NUMBER_WORDS,
    SCALE,
    WORD_NUMBER,
    ZH_NUMBER,
    ZH_NUMBER_CHARS,
    parse_chinese,
    parse_chinese_range,
    parse_digits,
    parse_words,
)
from nlp.paths import data_file

_HAN = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_END = re.compile(r"[.;!?。；！？]\s|[.;!?。；！？]$|[，,]\s*(?:while|but|whereas|and the "
                         r"company|after|as|which|who)\b|, (?:and|but) |，(?:而|但|同时|并且|此前)")


@dataclass
class Wage:
    text: str
    start: int
    end: int
    amount: float
    currency: str
    amount_max: float | None = None
    period: str | None = None
    qualifier: str | None = None
    hourly_usd: float | None = None
    hourly_usd_max: float | None = None
    basis: str | None = None
    one_off: bool = field(default=False, repr=False)  # "a one-off bonus": keeps no period

    def as_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end,
                "amount": self.amount, "amount_max": self.amount_max,
                "currency": self.currency, "period": self.period, "qualifier": self.qualifier,
                "hourly_usd": self.hourly_usd, "hourly_usd_max": self.hourly_usd_max,
                "basis": self.basis}


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class Currencies:
    """Symbols and words to ISO codes; ambiguous ones settled by the countries in context."""

    def __init__(self, data: dict) -> None:
        self.context: dict[str, dict[str, str]] = {
            k.lower(): v for k, v in (data.get("context_countries") or {}).items()}
        defaults = data.get("default") or data.get("defaults") or {}
        self.defaults: dict[str, str] = {k.lower(): v for k, v in defaults.items()}
        self.symbols: dict[str, list[str]] = {}
        self.words: dict[str, list[str]] = {}
        self.words_zh: dict[str, list[str]] = {}
        self.minor: dict[str, tuple[str, float]] = {}
        self.minor_zh: dict[str, tuple[str, float]] = {}
        for code, spec in data.items():
            if not (isinstance(spec, dict) and len(code) == 3 and code.isupper()):
                continue
            for symbol in spec.get("symbols") or []:
                self.symbols.setdefault(str(symbol), []).append(code)
            for word in [*(spec.get("words") or []), *(spec.get("ambiguous_words") or [])]:
                self.words.setdefault(str(word).lower(), []).append(code)
            for word in spec.get("words_zh") or []:
                for form in han_variants(str(word)):
                    self.words_zh.setdefault(form, []).append(code)
            for word, factor in (spec.get("minor") or {}).items():
                self.minor.setdefault(str(word).lower(), (code, float(factor)))
            for word, factor in (spec.get("minor_zh") or {}).items():  # 5 分钱, 一毛钱
                for form in han_variants(str(word)):
                    self.minor_zh.setdefault(form, (code, float(factor)))
            self.words.setdefault(code.lower(), []).append(code)
        self.symbols.pop("", None)
        self.not_after_article = {str(w).lower() for w in data.get("not_after_article") or []}
        # a country's own currency, for amounts written with none: KES for KE, PHP for PH
        self.local: dict[str, str] = {code[:2]: code for code, spec in data.items()
                                      if isinstance(spec, dict) and len(code) == 3
                                      and code.isupper()}
        self.local.update(data.get("local_currency") or {})
        for country in data.get("never_bare") or []:  # "$" is always written for USD
            self.local.pop(country, None)
        self._folds: dict[int, dict[str, list[str]]] = {}

    def resolve(self, written: str, table: dict[str, list[str]], countries: list[str]) -> str:
        codes = list(dict.fromkeys(table.get(written) or table.get(written.lower()) or
                                   self._folded(table).get(written.lower()) or []))
        if len(codes) == 1:
            return codes[0]
        by_country = self.context.get(written.lower()) or self.context.get(written) or {}
        for country in countries:
            if country in by_country:
                return by_country[country]
        for code in codes:  # a currency of a country the text names
            if code[:2] in countries:
                return code
        return self.defaults.get(written.lower()) or (codes[0] if codes else "USD")


    def _folded(self, table: dict[str, list[str]]) -> dict[str, list[str]]:
        """``ksh`` finds ``KSh``: symbols are matched regardless of case."""
        key = id(table)
        if key not in self._folds:
            folded: dict[str, list[str]] = {}
            for written, codes in table.items():
                folded.setdefault(written.lower(), []).extend(codes)
            self._folds[key] = folded
        return self._folds[key]


@dataclass(frozen=True)
class Vocabulary:
    """Regexes compiled from the data files."""

    money_en: re.Pattern[str]
    money_zh: re.Pattern[str]
    range_right: re.Pattern[str]
    range_left: re.Pattern[str]
    qualifier_before: re.Pattern[str]
    qualifier_after: re.Pattern[str]
    qualifiers: dict[str, str]
    period_after: re.Pattern[str]
    period_before: re.Pattern[str]
    periods: dict[str, str]
    period_clause: dict[str, str]
    pay: re.Pattern[str]
    not_pay: re.Pattern[str]
    bare_zh: re.Pattern[str]  # 月薪不到两千: Chinese pay with no currency written (yuan)
    currency_before: re.Pattern[str]  # 新台币 2 万元: the currency named before the number
    close_not_pay: re.Pattern[str]  # "a $5 verification fee", 3000 元的补贴
    vendor_after: re.Pattern[str]  # "$12.50 an hour per worker": a lab's rate to a vendor
    vendor_before: re.Pattern[str]  # "pays its vendor $25 an hour"
    spent_on: re.Pattern[str]  # "$15 a month for a VPN"
    paid_to_firm: re.Pattern[str]  # "OpenAI paid Sama $12.50 an hour"
    paid_to_firm_after: re.Pattern[str]  # "an hourly rate of $12.50 to Sama"
    worker_nouns: re.Pattern[str]  # "... paid Sama's workers $2": pay after all
    task_context: re.Pattern[str]  # "Each image ... pays $0.02": per-task pay
    task_after: re.Pattern[str]  # "paid $0.50 to $1 each"
    bare_en: re.Pattern[str]  # "I make 18,000 a month": no currency written
    bare_not_after: re.Pattern[str]  # not a bare amount after these ("$12,000", "3.5")
    bare_after_period: re.Pattern[str]  # "a monthly salary of 30,000."
    pay_noun: re.Pattern[str]  # salary, wage ...: where to look for a period written first
    continued: re.Pattern[str]  # "... had fallen to 1,000": the same pay going on
    conversion: re.Pattern[str]  # "$25 were worth about 900 bolívares"
    minor_zh_stop: str  # 90 分钟 is minutes, not money


def _both_scripts(pattern: str) -> str:
    """A regex of Chinese words, matching them in Simplified and Traditional script."""
    traditional = han_variants(pattern) - {pattern}
    return "|".join(f"(?:{p})" for p in [pattern, *traditional])


def _vocabulary(currencies: Currencies, lexicon: dict) -> Vocabulary:
    letters = [s for s in currencies.symbols if s[:1].isalpha()]
    signs = [s for s in currencies.symbols if not s[:1].isalpha()]
    symbol = rf"(?:(?<![A-Za-z])(?:{_alternation(letters)})\.?|{_alternation(signs)})"
    word = _alternation([*currencies.words, *currencies.minor])
    number = rf"(?:{DIGITS})(?:{SCALE})?"
    money_en = re.compile(
        rf"(?P<sym>{symbol})\s?(?P<num>{number})(?!\d)"
        rf"|(?<![\w.,])(?P<num2>{number}|{WORD_NUMBER})\s?(?P<word>{word})(?![a-z])",
        re.IGNORECASE)
    zh_words = _alternation([*currencies.words_zh, *currencies.minor_zh])
    # 每条美金 0.05: a currency word (not 元/块) before a number with no unit after it
    zh_before = _alternation([w for w in currencies.words_zh if len(w) > 1
                              and not w.endswith(("元", "块", "塊", "钱", "錢"))])
    money_zh = re.compile(
        rf"(?P<sym>{symbol})\s?(?P<num>{number})(?!\d)"
        rf"|(?P<znum>{ZH_NUMBER})\s?(?P<more>多|余)?\s?(?P<zword>{zh_words})"
        rf"|(?P<zpre>{zh_before})\s?(?P<pnum>{number})(?!\s?[\d.万萬千百亿億元块塊])")
    q = lexicon["qualifiers"]
    qualifiers = {f.lower(): kind for kind, words in q.items() for w in words
                  for f in han_variants(str(w))}
    p = lexicon["periods"]
    periods = {f.lower(): kind for kind, words in p.items() for w in words
               for f in han_variants(str(w))}
    joiner = r"\s?(?:-|–|—|~|～|to|and|至|到)\s?"
    # a digit amount that goes on in Chinese units (1萬2千) is read as Chinese
    number = rf"(?:{DIGITS})(?:{SCALE})?(?![万萬亿億千百\d])"
    after_words = [f for w in lexicon["qualifiers_after"] for f in han_variants(w)]
    qualifier_words = _alternation(list(qualifiers))
    return Vocabulary(
        money_en=money_en, money_zh=money_zh,
        range_right=re.compile(rf"{joiner}(?:{symbol})?\s?(?P<num>{number}|{ZH_NUMBER})"
                               rf"(?!\d)\s?(?:{word}|{zh_words})?", re.IGNORECASE),
        range_left=re.compile(rf"(?:{symbol})?\s?(?P<num>{number}|{ZH_NUMBER})\s?(?:{word})?"
                              rf"{joiner}$", re.IGNORECASE),
        qualifier_before=re.compile(rf"(?:^|(?<=[\s(\"“'‘，,:：\u4e00-\u9fff]))(?P<q>{qualifier_words})"
                                    r"\s*(?:of\s+|just\s+|only\s+)?$", re.IGNORECASE),
        qualifier_after=re.compile(rf"\s*(?P<q>{_alternation(after_words)})"),
        qualifiers=qualifiers | {f.lower(): v for k, v in
                                 (lexicon.get("qualifiers_after_kind") or {}).items()
                                 for f in han_variants(k)},
        period_after=re.compile(rf"\s*{lexicon['period_after_skip']}"
                                rf"(?:{lexicon['period_after_prefix']})\s*"
                                rf"(?P<p>{_alternation(list(periods))})(?![a-z])", re.IGNORECASE),
        period_before=re.compile(rf"(?P<p>{_alternation(list(periods))})"
                                 rf"(?:{lexicon['period_before_suffix']})$", re.IGNORECASE),
        periods=periods,
        period_clause={f: v for k, v in (lexicon.get("period_clause") or {}).items()
                       for f in han_variants(str(k))},
        pay=re.compile(_both_scripts(lexicon["pay"]), re.IGNORECASE),
        not_pay=re.compile(_both_scripts(lexicon["not_pay"]), re.IGNORECASE),
        bare_zh=re.compile(rf"(?:{_both_scripts(lexicon['bare_zh_cue'])})"
                           rf"(?P<q>{qualifier_words})?\s?(?P<znum>{ZH_NUMBER})"
                           r"(?!\s?[\d.万萬千百亿億元块塊美%％年岁歲个個人名位小时天月周次倍条張张件分])"),
        currency_before=re.compile(rf"(?P<zword>{zh_words})\s?$"),
        close_not_pay=re.compile(lexicon["close_not_pay"], re.IGNORECASE),
        vendor_after=re.compile(lexicon["vendor_after"], re.IGNORECASE),
        vendor_before=re.compile(lexicon["vendor_before"], re.IGNORECASE),
        spent_on=re.compile(lexicon["spent_on"], re.IGNORECASE),
        paid_to_firm=re.compile(lexicon["paid_to_firm"], re.IGNORECASE),
        paid_to_firm_after=re.compile(lexicon["paid_to_firm_after"], re.IGNORECASE),
        worker_nouns=re.compile(lexicon["worker_nouns"], re.IGNORECASE),
        task_context=re.compile(lexicon["task_context"], re.IGNORECASE),
        task_after=re.compile(lexicon["task_after"], re.IGNORECASE),
        bare_en=re.compile(rf"{lexicon['bare_number']}(?={lexicon['bare_period_after']})",
                           re.IGNORECASE),
        bare_not_after=re.compile(lexicon["bare_not_after"]),
        bare_after_period=re.compile(rf"{lexicon['bare_number']}(?={lexicon['continued_after']})",
                                     re.IGNORECASE),
        pay_noun=re.compile(lexicon["pay_noun"], re.IGNORECASE),
        continued=re.compile(rf"(?:{lexicon['continued_before']})\s*(?P<q>{qualifier_words})?"
                             rf"\s*(?:{lexicon['bare_number']}|(?P<znum>{ZH_NUMBER}))"
                             rf"(?={lexicon['continued_after']})", re.IGNORECASE),
        conversion=re.compile(lexicon["conversion_between"], re.IGNORECASE),
        minor_zh_stop=str(lexicon.get("minor_zh_not_followed_by") or ""),
    )


class WageFinder:
    def __init__(self, currencies: Currencies, lexicon: dict, rates: Rates) -> None:
        self.currencies = currencies
        self.vocabulary = _vocabulary(currencies, lexicon)
        self.rates = rates
        self.anchor_words = ahocorasick.Automaton()
        for word in {*currencies.words, *currencies.minor, *currencies.words_zh,
                     *currencies.minor_zh,  # 一毛钱 has no digit to anchor it
                     *(s.lower() for s in currencies.symbols if not s[:1].isalnum())}:
            self.anchor_words.add_word(word.lower(), len(word))
        self.anchor_words.make_automaton()
        self.max_hourly_usd = float(lexicon.get("max_hourly_usd") or "inf")
        self.symbol_back = max(map(len, currencies.symbols), default=0) + 2  # "Rs. 5"

    def find(self, text: str, countries: list[str] | None = None, year: int | None = None,
             mentions: list[tuple[int, str]] | None = None,
             firms: list[tuple[int, int]] | None = None) -> list[Wage]:
        """``countries`` settle ambiguous currencies; ``mentions`` (offset, country code)
        give amounts written with no currency the currency of the nearest country named;
        ``firms`` (start, end of company names) tell money paid to a company."""
        countries = countries or []
        vocabulary = self.vocabulary
        wages: list[Wage] = []
        taken_until = -1
        rates: list[Wage] = []  # amounts with a period that were not pay (a vendor's rate)
        anchors = self._anchors(text)
        patterns = [vocabulary.money_en]
        if _HAN.search(text):  # Chinese amounts only where there is Chinese
            patterns.append(vocabulary.money_zh)
        for pattern in patterns:
            for match in _anchored(pattern, text, anchors):
                if match.start() < taken_until:
                    continue
                wage = self._candidate(text, match, countries)
                if wage is None:
                    continue
                wage = self._complete(text, wage, wages, rates=rates, firms=firms)
                if wage is not None and not any(w.start < wage.end and wage.start < w.end
                                                for w in wages):
                    wages.append(wage)
                    taken_until = wage.end
            taken_until = -1
        if len(patterns) > 1:
            wages += self._bare_chinese(text, wages, countries, mentions)
        if mentions:
            wages += self._bare_local(text, wages, mentions, anchors)
        wages.sort(key=lambda w: w.start)
        if wages:
            wages = self._continued(text, wages)
        _inherit_periods(text, wages)
        for wage in wages:
            self.rates.convert(wage, year)
        # "$300 million a year in wages": more an hour than anyone is paid is a payroll
        return [w for w in wages if (w.hourly_usd or 0) <= self.max_hourly_usd]

    def _bare_chinese(self, text: str, found: list[Wage], countries: list[str],
                      mentions: list[tuple[int, str]] | None = None) -> list[Wage]:
        """月薪不到两千, 一个月能挣四五千: the number right after a pay word is pay in yuan
        (or the local currency written 元), or in the currency of a country named in its
        sentence (一位肯尼亚审核员说，他每月挣两万), even with no currency written."""
        wages = []
        for match in self.vocabulary.bare_zh.finditer(text):
            start, end = match.start("znum"), match.end("znum")
            if any(w.start <= start < w.end for w in [*found, *wages]):
                continue
            approximate = parse_chinese_range(match.group("znum"))
            amount = approximate[0] if approximate else parse_chinese(match.group("znum"))
            if not amount or amount < 10:  # 月收入一般: 一 is not an amount
                continue
            currency = self.currencies.resolve("元", self.currencies.words_zh, countries)
            nearby = [m for m in mentions or [] if _same_sentence(text, *sorted((m[0], start)))]
            currency = self._local_currency(start, nearby) or currency
            wage = Wage(match.group("znum"), start, end, amount, currency,
                        approximate[1] if approximate else None,
                        qualifier=approximate[2] if approximate else None)
            wage = self._complete(text, wage)
            if wage is not None:
                wages.append(wage)
        return wages

    def _bare_local(self, text: str, found: list[Wage], mentions: list[tuple[int, str]],
                    anchors: list[tuple[int, int]]) -> list[Wage]:
        """"I make 18,000 a month" in a story from Nairobi: a number with a pay period after
        it and a pay word before it is pay in the currency of the nearest country named."""
        wages: list[Wage] = []
        vocabulary = self.vocabulary
        for start, back in anchors:  # tried only where a run of digits starts
            if back != self.symbol_back or start and \
                    vocabulary.bare_not_after.match(text, start - 1):
                continue
            match = vocabulary.bare_en.match(text, start)
            if match is None and vocabulary.pay_noun.search(text, max(0, start - 40), start):
                # "a monthly salary of 30,000.": the period comes first
                match = vocabulary.bare_after_period.match(text, start)
                if match and not vocabulary.period_before.search(text, max(0, start - 60),
                                                                 start):
                    match = None
            if match is None or any(w.start <= start < w.end for w in [*found, *wages]):
                continue
            number = match.group("num") + (match.group("scale") or "")
            amount = parse_digits(number)
            currency = self._local_currency(start, mentions)
            if not amount or amount >= 1_000_000 or currency is None:
                continue  # millions with no currency: a country's or a company's money
            earlier = sorted((w for w in [*found, *wages] if w.end <= start),
                             key=lambda w: w.end)
            wage = Wage(match.group(0), start, match.end(), round(amount, 4), currency)
            wage = self._complete(text, wage, earlier, bare=True)
            if wage is not None:
                wages.append(wage)
        return wages

    def _local_currency(self, position: int, mentions: list[tuple[int, str]]) -> str | None:
        """The currency of the country named nearest ``position`` (before it on a tie)."""
        local = self.currencies.local
        nearest = min(((abs(position - offset), offset > position, code)
                       for offset, code in mentions if code in local), default=None)
        return local[nearest[2]] if nearest else None

    def _continued(self, text: str, wages: list[Wage]) -> list[Wage]:
        """"... that had fallen to 1,000", 干得快的能到五千: a number with no currency that
        goes on from pay in the same sentence is pay in its currency and period."""
        result: list[Wage] = []
        for index, wage in enumerate(wages):
            result.append(wage)
            limit = wages[index + 1].start if index + 1 < len(wages) else len(text)
            stop = _CONTINUE_STOP.search(text, wage.end, limit)  # "...; that had fallen to"
            match = self.vocabulary.continued.search(text, wage.end,
                                                     min(limit, stop.start() if stop else limit,
                                                         wage.end + 150))
            if match is None:
                continue
            if match.group("znum"):
                amount = parse_chinese(match.group("znum"))
                start, end = match.span("znum")
            else:
                amount = parse_digits(match.group("num") + (match.group("scale") or ""))
                start, end = match.start("num"), match.end()
            if not amount or amount < 1:
                continue
            qualifier = match.group("q")
            result.append(Wage(text[start:end], start, end, round(amount, 4), wage.currency,
                               period=wage.period, qualifier=self.vocabulary.qualifiers.get(
                                   qualifier.lower()) if qualifier else None))
        return result

    def _anchors(self, text: str) -> list[tuple[int, int]]:
        """Where an amount can end up: digits, currency signs and currency words (found in
        C by an automaton). Trying the money patterns only there, rather than at every
        character, is most of this stage's speed."""
        # an amount that holds a run of digits starts at most a symbol before it ("KShs 5");
        # one that ends in a currency word can start a few words before ("twenty-five
        # dollars", 两千多元)
        anchors = {m.start(): self.symbol_back for m in _DIGIT_RUN.finditer(text)}
        folded = text.lower()
        if len(folded) != len(text):  # a rare letter whose lower case is longer
            return [(position, _BACK) for position in range(len(text))]
        for end, length in self.anchor_words.iter(folded):
            start = end - length + 1
            if not (start and folded[start - 1].isalpha() and folded[start].isascii()) and \
                    (not folded[start].isalnum() or _number_before(folded, start)):
                anchors[start] = _BACK
        return sorted(anchors.items())

    def _candidate(self, text: str, match: re.Match[str], countries: list[str]) -> Wage | None:
        groups = match.groupdict()
        currencies = self.currencies
        if groups.get("sym"):
            amount = parse_digits(groups["num"])
            currency = currencies.resolve(groups["sym"].rstrip("."), currencies.symbols, countries)
        elif groups.get("word"):
            written = groups["word"].lower()
            if groups["num2"].lower() in ("a", "an") and written in currencies.not_after_article:
                return None  # "a real problem"
            amount = parse_digits(groups["num2"]) if groups["num2"][:1].isdigit() or \
                groups["num2"][:1] == "." else parse_words(groups["num2"])
            if written in currencies.minor:
                currency, factor = currencies.minor[written]
                amount = amount * factor if amount is not None else None
            else:
                currency = currencies.resolve(written, currencies.words, countries)
        elif groups.get("zword"):
            approximate = parse_chinese_range(groups["znum"])
            amount = approximate[0] if approximate else parse_chinese(groups["znum"])
            written = groups["zword"]
            if written in currencies.minor_zh:  # 5 分钱 = 0.05 yuan
                currency, factor = currencies.minor_zh[written]
                following = text[match.end():match.end() + 1]
                if amount is None or (written in ("分", "毛", "角") and amount >= 100) or \
                        (following and following in self.vocabulary.minor_zh_stop):
                    return None
                return Wage(match.group(0), match.start(), match.end(),
                            round(amount * factor, 4), currency)
            before = self.vocabulary.currency_before.search(text, max(0, match.start() - 6),
                                                            match.start())
            if before and written in {"元", "块", "塊", "块钱", "塊錢"}:  # 新台币 2 万元
                written = before.group("zword")
            currency = currencies.resolve(written, currencies.words_zh, countries)
            if approximate and amount:
                wage = Wage(match.group(0), match.start(), match.end(), amount, currency,
                            approximate[1], qualifier=approximate[2])
                return wage
        elif groups.get("zpre"):  # 每条美金 0.05
            amount = parse_digits(groups["pnum"])
            currency = currencies.resolve(groups["zpre"], currencies.words_zh, countries)
        else:
            return None
        if amount is None or amount <= 0:
            return None
        wage = Wage(match.group(0), match.start(), match.end(), round(amount, 4), currency)
        if groups.get("more"):
            wage.qualifier = "more_than"
        return wage

    def _complete(self, text: str, wage: Wage, earlier_wages: list[Wage] | None = None,
                  bare: bool = False, rates: list[Wage] | None = None,
                  firms: list[tuple[int, int]] | None = None) -> Wage | None:
        """Range, qualifier and period around the amount; None if it is not pay. A ``bare``
        amount (no currency written) needs a pay word before it in its clause. Amounts with a
        period that are not pay are added to ``rates``: pay compared with them in the same
        sentence is for the same unit ("$25 an hour for each rater, who gets $12")."""
        vocabulary = self.vocabulary
        start, end = wage.start, wage.end
        right = vocabulary.range_right.match(text, end)
        if right and (maximum := _number(right.group("num"))) and maximum > wage.amount:
            wage.amount_max, end = round(maximum, 4), right.end()
            wage.qualifier = "between"
        else:
            left = vocabulary.range_left.search(text, max(0, start - 30), start)
            if left and (minimum := _number(left.group("num"))) and minimum < wage.amount:
                wage.amount_max, wage.amount = wage.amount, minimum
                start, wage.qualifier = left.start(), "between"
        clause_start = _clause_start(text, start)
        clause_end = _clause_end(text, end)
        before = text[clause_start:start]
        qualifier = vocabulary.qualifier_before.search(before[-30:])
        kind = vocabulary.qualifiers.get(qualifier.group("q").lower()) if qualifier else None
        if wage.qualifier != "between" and kind not in (None, "between"):
            wage.qualifier = None if kind == "none" else kind
        after = vocabulary.qualifier_after.match(text, end, clause_end)
        if after and wage.qualifier != "between":
            wage.qualifier = vocabulary.qualifiers.get(after.group("q").lower(), wage.qualifier)
        period_end = end
        # "KSh 60,000 (about $440) a month": the period comes after the conversion, which
        # stays outside this wage's text (it is a wage of its own)
        aside = _ASIDE.match(text, end)
        look_from = aside.end() if aside else end
        period = vocabulary.period_after.match(text, look_from, min(max(clause_end, look_from),
                                                                   look_from + 40))
        converts = self._converts(text, wage, start, earlier_wages)
        wage.one_off = bool(_ONE_OFF.search(text, max(clause_start, start - 20), start))
        if wage.one_off:
            period = None
        if period:
            wage.period = vocabulary.periods[period.group("p").lower()]
            period_end = end if aside and _DIGIT_RUN.search(aside.group(0)) else period.end()
            recorded = _OF_RECORDING.match(text, period.end())
            if wage.period == "hour" and recorded:  # per hour *of audio* is piece rate
                wage.period = "task"
                period_end = recorded.end() if period_end != end else end
        elif not wage.one_off:
            wage.period = self._period_before(text, start, clause_start, before)
        borrowed = False
        each = wage.period is None and vocabulary.task_after.match(text, end)
        if each:  # per piece, if a pay word says it is pay at all
            period_end = each.end()
        elif wage.period is None and not wage.one_off and converts is not None:
            wage.period, borrowed = converts.period, True
        if wage.period is None and not each and not wage.one_off and earlier_wages:
            # "R6,500 a month, rising to R9,000": the same sentence's earlier pay sets it
            previous = earlier_wages[-1]
            if previous.period and _same_sentence(text, previous.end, start):
                wage.period, borrowed = previous.period, True
        if wage.period is None and not each and not wage.one_off and rates and \
                _same_sentence(text, rates[-1].end, start):
            wage.period = rates[-1].period  # the unit only: it does not make this pay
        after_end = period.end() if period else end
        if vocabulary.vendor_after.match(text, after_end) or \
                vocabulary.spent_on.match(text, after_end) or \
                _vendor_named(vocabulary, before) or \
                firms and _paid_to_firm(vocabulary, text, clause_start, start, after_end,
                                        firms) or \
                converts is None and not self._is_pay(text, start, end, clause_start,
                                                      clause_end, wage, borrowed, bare):
            if wage.period and rates is not None:  # a lab's rate to its vendor, spending
                rates.append(wage)
            return None
        if each:
            wage.period = "task"
        wage.start, wage.end = start, period_end
        wage.text = text[start:period_end]
        return wage

    def _period_before(self, text: str, start: int, clause_start: int, before: str
                       ) -> str | None:
        """The period written before the amount ("hourly wage of $2", 月薪约 3000 元), or a
        piece of work earlier in the clause ("Each image ... pays $0.02") for per-task pay."""
        vocabulary = self.vocabulary
        window = text[max(clause_start, start - 60):start]
        earlier = vocabulary.period_before.search(window)
        period = vocabulary.periods[earlier.group("p").lower()] if earlier else None
        if period and (not _COUNT_BEFORE.search(window, 0, earlier.start()) or
                       period == "task" and _AT.match(window, earlier.end("p"))):
            return period  # "label 200 images at ₱2" is per image, "600 条能赚" is not
        # 每天工作 10 小时，收入 200 元: "10 小时" is how long, not how often
        period = _last_of(vocabulary.period_clause, before)
        if period is None and vocabulary.task_context.search(before):
            period = "task"
        return period

    def _converts(self, text: str, wage: Wage, start: int,
                  earlier_wages: list[Wage] | None) -> Wage | None:
        """The pay this amount converts into another currency ("KSh 60,000 (about $440)",
        "$25 were worth about 900 bolívares"), if it does."""
        if not earlier_wages:
            return None
        previous = earlier_wages[-1]
        if previous.currency == wage.currency or not 0 <= start - previous.end < 40:
            return None
        gap = text[previous.end:start]
        period = self.vocabulary.period_after.match(gap)
        if period:  # "KSh 60,000 a month (about $440)"
            gap = gap[period.end():]
        return previous if self.vocabulary.conversion.match(gap) else None

    def _is_pay(self, text: str, start: int, end: int, clause_start: int, clause_end: int,
                wage: Wage, borrowed: bool = False, bare: bool = False) -> bool:
        """Pay if the clause says so (a pay word or a pay period) and no non-pay word
        (funding, valuation, contract, fine ...) sits closer to the amount."""
        vocabulary = self.vocabulary
        before, after = text[clause_start:start], text[end:clause_end]
        pay_cues = [m.end() for m in vocabulary.pay.finditer(before)]
        not_pay = [m.end() for m in vocabulary.not_pay.finditer(before)]
        nearest_pay = max(pay_cues, default=-1)
        nearest_not = max(not_pay, default=-1)
        if bare and nearest_pay <= nearest_not:
            return False  # with no currency written, only a pay word makes it money
        after_not = vocabulary.not_pay.search(after[:40])
        after_pay = vocabulary.pay.search(after[:40])
        # ties go to non-pay: 营业收入 (revenue) contains 收入 (income)
        close_not = vocabulary.close_not_pay.match(text, end) or \
            vocabulary.not_pay.match(text, _SPACES.match(text, end).end())
        if close_not and close_not.end() - end < 25:  # "a KSh 2,000 registration fee"
            return False
        if (nearest_not >= 0 and nearest_not >= nearest_pay) or \
                (after_not and not wage.period and not pay_cues):
            return False
        if wage.amount >= 1_000_000 and wage.period not in {"year", "month"}:
            return False  # millions without a pay period are budgets, rounds, contracts
        return bool(wage.period or pay_cues or after_pay or borrowed)


_DIGIT_RUN = re.compile(r"(?<![\d.,])\d+")  # "1,000" and "3.50" are anchored once
_ASIDE = re.compile(r"\s*\([^()]{1,40}\)")
_ONE_OFF = re.compile(r"\b(?:one-off|one-time|one off|a single)\s*$|一次性(?:奖励|奖金|补贴)?\s*$",
                      re.IGNORECASE)
_COUNT_BEFORE = re.compile(r"[\d两三四五六七八九十几]\s*$")  # not 一: 一条 is "per piece"
_SPACES = re.compile(r"\s*")
_AT = re.compile(r"\s+at\s+$", re.IGNORECASE)
_OF_RECORDING = re.compile(r"\s+of\s+(?:[\w-]+\s+)?(?:audio|speech|recordings?|video|footage|"
                           r"transcription|transcribed audio)\b", re.IGNORECASE)
_SENTENCE_STOP = re.compile(r"[.!?。！？；;]\s")
_CONTINUE_STOP = re.compile(r"[.!?。！？]\s")


def _same_sentence(text: str, first_end: int, second_start: int) -> bool:
    """Two amounts close together with no sentence boundary between them."""
    return 0 <= second_start - first_end < 150 and \
        not _SENTENCE_STOP.search(text, first_end, second_start)


def _inherit_periods(text: str, wages: list[Wage]) -> None:
    """An amount with no period takes the period of the next amount in its sentence ("paid
    $40 or, for coding, $60 an hour"), else of the one before it (月入过万……到手不足 5000 元,
    where the first was found after the second was read); a one-off payment keeps none."""
    for wage, following in zip(wages, wages[1:], strict=False):
        if wage.period is None and not wage.one_off and following.period and \
                _same_sentence(text, wage.end, following.start):
            wage.period = following.period
    for previous, wage in zip(wages, wages[1:], strict=False):
        if wage.period is None and not wage.one_off and previous.period and \
                _same_sentence(text, previous.end, wage.start):
            wage.period = previous.period


_TOKEN_START = re.compile(r"(?<![A-Za-z0-9])[^\s]|(?<=[A-Za-z0-9])[^A-Za-z0-9\s]")
_BACK = 24  # how far before an anchor an amount can start: "twenty-five " + "dollars"


def _number_before(folded: str, start: int) -> bool:
    """Whether a number ends just before a currency word (one space allowed): "21,000
    shillings", "ninety cents", "a dollar", 两千多元. Currency words that are everyday words
    ("real", "won", "rand") are most anchors, and a money pattern tried before them when no
    number ends there would fail anyway."""
    index = start - 1
    if index >= 0 and folded[index].isspace():
        index -= 1
    if index < 0:
        return False
    char = folded[index]
    if char.isdigit() or char in ZH_NUMBER_CHARS or char == "-":
        return True
    first = index
    while first > 0 and folded[first - 1].isalpha():
        first -= 1
    return folded[first:index + 1] in NUMBER_WORDS


def _anchored(pattern: re.Pattern[str], text: str, anchors: list[tuple[int, int]]
              ) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` restricted to matches that cover an anchor, leftmost first; each
    anchor says how far before it a match can start."""
    last_end = 0
    for anchor, back in anchors:
        if anchor < last_end:
            continue
        # never from the middle of a (Latin) word or number
        for token in _TOKEN_START.finditer(text, max(last_end, anchor - back), anchor + 1):
            start = token.start()
            match = pattern.match(text, start)
            if match and match.end() > anchor:
                yield match
                last_end = match.end()
                break


def _vendor_named(vocabulary: Vocabulary, before: str) -> bool:
    """A vendor named before the amount with no pay word after it ("pays its vendor $25",
    but not "给外包团队的单价为 1.2 元，其中标注员只能拿到 0.4 元")."""
    vendor = _last_end(vocabulary.vendor_before, before)
    return vendor >= 0 and vendor >= _last_end(vocabulary.pay, before)


def _paid_to_firm(vocabulary: Vocabulary, text: str, clause_start: int, start: int, end: int,
                  firms: list[tuple[int, int]]) -> bool:
    """Paid to a company named just before the amount ("OpenAI paid Sama $12.50 an hour"),
    not to its workers ("paid Sama's moderators $2"), or just after it ("$12.50 to Sama")."""
    for firm_start, firm_end in firms:
        if end <= firm_start < end + 12 and \
                vocabulary.paid_to_firm_after.fullmatch(text, end, firm_start):
            return True
        if clause_start <= firm_start and firm_end <= start and start - firm_end < 40 and \
                vocabulary.paid_to_firm.search(text, max(clause_start, firm_start - 12),
                                               firm_start) and \
                not vocabulary.worker_nouns.search(text, firm_end, start):
            return True
    return False


def _last_end(pattern: re.Pattern[str], text: str) -> int:
    """Where the last match of ``pattern`` in ``text`` ends; -1 if there is none."""
    last = -1
    for match in pattern.finditer(text):
        last = match.end()
    return last


def _last_of(words: dict[str, str], text: str) -> str | None:
    """The value of whichever of ``words`` occurs last in ``text``."""
    best, position = None, -1
    for word, value in words.items():
        found = text.rfind(word)
        if found > position:
            best, position = value, found
    return best


def _number(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"[\d.,\s]+(?:[A-Za-z]+)?", text):
        return parse_digits(text)
    return parse_chinese(text)


def _clause_start(text: str, position: int) -> int:
    window_start = max(0, position - 200)
    last = window_start
    for match in _CLAUSE_END.finditer(text, window_start, position):
        last = match.end()
    return last


def _clause_end(text: str, position: int) -> int:
    match = _CLAUSE_END.search(text, position, min(len(text), position + 200))
    return match.start() if match else min(len(text), position + 200)


class Rates:
    """Yearly average exchange rates (units per USD) and the hours in each pay period."""

    HOURS = {"hour": 1.0, "day": 8.0, "week": 40.0, "month": 40.0 * 52 / 12,
             "year": 40.0 * 52}

    def __init__(self, data: dict) -> None:
        self.rates: dict[str, dict[int, float]] = {
            code: {int(y): float(v) for y, v in years.items()}
            for code, years in (data.get("rates") or {}).items()}

    def rate(self, currency: str, year: int | None) -> tuple[float, int] | None:
        if currency == "USD":
            return 1.0, year or 0
        years = self.rates.get(currency)
        if not years:
            return None
        chosen = min(years, key=lambda y: abs(y - year)) if year else max(years)
        return years[chosen], chosen

    def convert(self, wage: Wage, year: int | None) -> None:
        """hourly_usd (and _max) with the basis of the conversion; none for per-task pay."""
        hours = self.HOURS.get(wage.period or "")
        rate = self.rate(wage.currency, year)
        if hours is None or rate is None:
            wage.basis = ("per-task pay has no hourly figure" if wage.period == "task" else
                          "no pay period stated" if wage.period is None else
                          f"no exchange rate for {wage.currency}")
            return
        per_usd, rate_year = rate
        wage.hourly_usd = round(wage.amount / per_usd / hours, 2)
        if wage.amount_max is not None:
            wage.hourly_usd_max = round(wage.amount_max / per_usd / hours, 2)
        parts = [f"{wage.period}: {hours:g} h (40 h week, 52 weeks)" if hours != 1 else "hourly"]
        if wage.currency != "USD":
            parts.append(f"{per_usd:g} {wage.currency}/USD ({rate_year} average)")
        wage.basis = "; ".join(parts)


@lru_cache(maxsize=4)
def load_wage_finder(config_dir: str | None = None) -> WageFinder:
    def read(name: str) -> dict:
        path = data_file(config_dir, f"nlp/{name}")
        return safe_load(path.read_text(encoding="utf-8")) or {}

    lexicon = read("wages.yaml")
    for key in ("period_after_prefix", "period_before_suffix", "pay", "not_pay", "bare_zh_cue",
                "close_not_pay", "vendor_after", "vendor_before", "spent_on", "task_context",
                "bare_period_after", "continued_before", "worker_nouns"):
        lexicon[key] = "".join(line.strip() for line in lexicon[key].splitlines())
    return WageFinder(Currencies(read("currencies.yaml")), lexicon,
                      Rates(read("exchange_rates.yaml")))
