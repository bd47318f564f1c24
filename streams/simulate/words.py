"""Word lists and fixed vocabularies for the simulated site.

Data only, kept apart so that `world.py` reads as a model. Titles are built from whole
phrases with their grammatical number, so Russian subject-verb agreement holds.
"""

# ruff: noqa: RUF001 - Russian on purpose: a Cyrillic letter that looks Latin is a word here

from __future__ import annotations

from typing import Final

SITE: Final = "https://pulse-news.example/"
SITE_HOST: Final = "pulse-news.example"

SECTIONS: Final = (
    "politics",
    "war",
    "economy",
    "society",
    "culture",
    "opinion",
    "investigations",
    "russia",
    "world",
    "science",
)

# (subject, grammatical number) and predicates as (singular, plural).
RU_SUBJECTS: Final = (
    ("Кремль", 0),
    ("Центробанк", 0),
    ("Госдума", 0),
    ("рубль", 0),
    ("Минобороны", 0),
    ("российская экономика", 0),
    ("губернаторы", 1),
    ("российские регионы", 1),
    ("мобилизованные", 1),
    ("независимые журналисты", 1),
    ("беженцы", 1),
    ("цены на бензин", 1),
    ("военные блогеры", 1),
    ("силовики", 1),
    ("студенты", 1),
    ("сельские врачи", 1),
)
RU_PREDICATES: Final = (
    ("меняет правила игры", "меняют правила игры"),
    ("теряет доверие", "теряют доверие"),
    ("снова откладывает реформу", "снова откладывают реформу"),
    ("готовится к новой волне", "готовятся к новой волне"),
    ("скрывает настоящие цифры", "скрывают настоящие цифры"),
    ("платит за войну", "платят за войну"),
    ("больше не верит обещаниям", "больше не верят обещаниям"),
    ("уходит в тень", "уходят в тень"),
    ("ищет новых союзников", "ищут новых союзников"),
    ("молчит о главном", "молчат о главном"),
)
RU_REPORT_FROM: Final = "Репортаж из"
RU_OPINION: Final = "Мнение"
RU_INVESTIGATION: Final = "Расследование"
RU_EXPLAINER: Final = "Всё, что нужно знать о последствиях"
RU_OPENERS: Final = ("Почему", "Как", "Зачем", "Что известно о том, как")
RU_NOUNS_GEN: Final = (
    "госзакупок",
    "мобилизации",
    "санкций",
    "цензуры",
    "военных контрактов",
    "утечки мозгов",
    "налоговой реформы",
    "пропаганды",
)
RU_CITIES_GEN: Final = (
    "Белгорода",
    "Казани",
    "Екатеринбурга",
    "Новосибирска",
    "Тбилиси",
    "Еревана",
    "Риги",
    "Берлина",
)

EN_SUBJECTS: Final = (
    ("the Kremlin", 0),
    ("the central bank", 0),
    ("the ruble", 0),
    ("the parliament", 0),
    ("Europe's energy market", 0),
    ("regional governors", 1),
    ("exiled journalists", 1),
    ("refugees", 1),
    ("fuel prices", 1),
    ("military bloggers", 1),
    ("tech workers", 1),
    ("rural hospitals", 1),
)
EN_PREDICATES: Final = (
    ("is changing the rules", "are changing the rules"),
    ("is losing trust", "are losing trust"),
    ("keeps delaying reform", "keep delaying reform"),
    ("is bracing for a new wave", "are bracing for a new wave"),
    ("hides the real numbers", "hide the real numbers"),
    ("pays for the war", "pay for the war"),
    ("no longer believes the promises", "no longer believe the promises"),
    ("is looking for new allies", "are looking for new allies"),
    ("stays silent on what matters", "stay silent on what matters"),
)
EN_OPENERS: Final = ("Why", "How", "What it means that", "The real reason")
EN_NOUNS: Final = (
    "state contracts",
    "mobilisation",
    "sanctions",
    "censorship",
    "the brain drain",
    "the tax overhaul",
    "propaganda",
    "grain exports",
)
EN_PLACES: Final = ("Belgorod", "Kazan", "Yekaterinburg", "Tbilisi", "Yerevan", "Riga", "Berlin")

RU_AUTHORS: Final = (
    "Анна Смирнова",
    "Илья Кузнецов",
    "Мария Волкова",
    "Дмитрий Орлов",
    "Екатерина Павлова",
    "Сергей Лебедев",
    "Ольга Морозова",
    "Алексей Соколов",
)
EN_AUTHORS: Final = (
    "Helen Carter",
    "James O'Neill",
    "Priya Raman",
    "Tom Fischer",
    "Sofia Marin",
    "Daniel Brooks",
    "Anna Smirnova",
    "Ilya Kuznetsov",
)
TAGS: Final = (
    "kremlin",
    "sanctions",
    "ukraine",
    "elections",
    "inflation",
    "energy",
    "migration",
    "censorship",
    "human-rights",
    "courts",
    "regions",
    "army",
    "oil",
    "tech",
    "climate",
    "education",
    "health",
    "media",
    "corruption",
    "diaspora",
)

# Cyrillic to Latin for URL slugs (a simplified BGN/PCGN table).
TRANSLIT: Final = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n"),
            *("o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y"),
            *("", "e", "yu", "ya"),
        ),
        strict=True,
    )
)

DESKTOP_UAS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 YaBrowser/24.12.0.0 Safari/537.36",
)
MOBILE_UAS: Final = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 Telegram-iOS/11.3",
)
TABLET_UAS: Final = (
    "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
)
OTHER_UAS: Final = (
    "Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36",
    "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 CrKey/1.56.500000",
)
BOT_UAS: Final = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/13.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
)

# (country, weight) for each reader language; readers of the Russian edition live
# in Russia and in the diaspora.
RU_COUNTRIES: Final = (
    ("RU", 45),
    ("DE", 10),
    ("GE", 6),
    ("AM", 5),
    ("LV", 5),
    ("IL", 6),
    ("KZ", 5),
    ("US", 6),
    ("RS", 4),
    ("CY", 4),
    ("FR", 4),
)
EN_COUNTRIES: Final = (
    ("US", 35),
    ("GB", 20),
    ("DE", 8),
    ("CA", 7),
    ("AU", 5),
    ("FR", 5),
    ("NL", 5),
    ("IE", 3),
    ("PL", 4),
    ("UA", 4),
    ("IN", 4),
)
EURO_COUNTRIES: Final = frozenset({"DE", "FR", "NL", "IE", "LV", "CY"})

# (referrer, weight for English readers, weight for Russian readers)
SEARCH_REFERRERS: Final = (
    ("https://www.google.com/", 70, 40),
    ("https://yandex.ru/", 4, 45),
    ("https://www.bing.com/", 16, 5),
    ("https://duckduckgo.com/", 10, 10),
)
SOCIAL_REFERRERS: Final = (
    ("https://www.facebook.com/", 35, 10),
    ("https://l.facebook.com/", 15, 5),
    ("https://t.co/", 30, 10),
    ("https://vk.com/", 2, 30),
    ("https://t.me/", 18, 45),
)
OTHER_REFERRERS: Final = (
    ("https://news.ycombinator.com/", 40, 5),
    ("https://en.wikipedia.org/", 40, 10),
    ("https://ru.wikipedia.org/", 0, 50),
    ("https://feedly.com/", 20, 35),
)
