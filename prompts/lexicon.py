"""Vocabulary of the rule-based expander: look words (time, weather, mood, style) with their English
lighting/style language, and a small Chinese -> English phrase lexicon for the nouns, places and actions
that casual requests use most.

Aliases are lowercase; Latin aliases match on word boundaries, CJK aliases as substrings.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    """One recognised look word: how it reads in a setting line and what it does to light and style."""

    phrase: str
    lighting: str
    style: str = ""


TIMES: dict[str, tuple[Look, tuple[str, ...]]] = {
    "sunset": (
        Look("at sunset", "warm golden-hour backlight, long soft shadows, orange and magenta sky"),
        ("sunset", "sundown", "dusk", "golden hour", "twilight", "evening", "日落", "黄昏", "夕阳", "傍晚"),
    ),
    "dawn": (
        Look("at dawn", "soft pastel dawn light, low sun, gentle morning haze"),
        ("dawn", "sunrise", "daybreak", "early morning", "morning", "日出", "清晨", "黎明", "早晨", "早上"),
    ),
    "night": (
        Look("at night", "cool moonlight and warm practical lights, deep blue shadows"),
        ("night", "nighttime", "midnight", "moonlight", "moonlit", "under the stars", "starry", "夜晚", "晚上",
         "夜里", "深夜", "午夜", "夜", "月光", "星空"),
    ),
    "day": (
        Look("in daylight", "bright natural daylight, crisp soft shadows"),
        ("noon", "midday", "daytime", "sunny", "daylight", "白天", "中午", "阳光", "晴天"),
    ),
}

WEATHER: dict[str, tuple[Look, tuple[str, ...]]] = {
    "rain": (
        Look("in the rain", "wet reflective surfaces, rain streaks catching light"),
        ("rain", "rainy", "raining", "downpour", "下雨", "雨中", "暴雨", "雨天", "雨"),
    ),
    "snow": (
        Look("in falling snow", "soft diffuse light, drifting snowflakes"),
        ("snow", "snowy", "snowing", "snowstorm", "blizzard", "下雪", "大雪", "雪地", "雪"),
    ),
    "fog": (
        Look("in thick fog", "volumetric fog diffusing the light"),
        ("fog", "foggy", "mist", "misty", "haze", "hazy", "大雾", "薄雾", "雾"),
    ),
    "storm": (
        Look("during a thunderstorm", "dramatic storm light, flashes of lightning"),
        ("storm", "stormy", "thunderstorm", "lightning", "暴风雨", "雷雨", "闪电"),
    ),
}

MOODS: dict[str, tuple[Look, tuple[str, ...]]] = {
    "eerie": (
        Look("", "low-key lighting, cold desaturated tones", "unsettling, suspenseful atmosphere"),
        ("eerie", "creepy", "scary", "spooky", "horror", "haunted", "ominous", "恐怖", "诡异", "阴森", "吓人"),
    ),
    "epic": (
        Look("", "dramatic high-contrast light with god rays", "epic sense of scale"),
        ("epic", "heroic", "majestic", "grand", "giant", "huge", "史诗", "壮观", "宏伟", "巨大"),
    ),
    "cozy": (
        Look("", "warm soft light", "heartwarming, playful mood"),
        ("cozy", "cosy", "cute", "adorable", "cheerful", "happy", "funny", "温馨", "可爱", "开心", "快乐", "搞笑"),
    ),
    "calm": (
        Look("", "gentle even light", "tranquil, meditative mood"),
        ("calm", "peaceful", "serene", "quiet", "relaxing", "宁静", "平静", "安静", "治愈"),
    ),
    "sad": (
        Look("", "muted overcast light", "melancholic mood"),
        ("sad", "melancholy", "melancholic", "lonely", "悲伤", "孤独", "忧郁", "伤感"),
    ),
}

DEFAULT_STYLE = "cinematic"
STYLES: dict[str, tuple[Look, tuple[str, ...]]] = {
    "cinematic": (
        Look("", "", "cinematic live-action film, anamorphic 35mm lens, rich color grading, subtle film grain"),
        ("cinematic", "photorealistic", "realistic", "live action", "live-action", "电影感", "写实", "真实"),
    ),
    "anime": (
        Look("", "", "anime style, hand-drawn cel animation, clean line art, vibrant colors"),
        ("anime", "manga", "ghibli", "cartoon", "动漫", "动画", "日漫", "二次元", "卡通"),
    ),
    "claymation": (
        Look("", "", "claymation stop-motion, handcrafted clay figures, visible fingerprints, miniature set"),
        ("claymation", "clay", "stop-motion", "stop motion", "plasticine", "黏土", "粘土", "定格动画"),
    ),
    "noir": (
        Look("", "hard low-key chiaroscuro light, venetian-blind shadows",
             "film noir, black and white, 1940s detective film look"),
        ("film noir", "noir", "黑色电影"),
    ),
    "ink": (
        Look("", "", "traditional Chinese ink wash painting, flowing brushstrokes, rice paper texture, muted tones"),
        ("水墨", "ink wash", "ink painting", "sumi-e", "国画", "中国风"),
    ),
    "watercolor": (
        Look("", "", "soft watercolor illustration, bleeding pigments, paper texture"),
        ("watercolor", "watercolour", "水彩"),
    ),
    "pixel": (
        Look("", "", "pixel art, 16-bit video game look, limited palette"),
        ("pixel art", "pixel", "8-bit", "16-bit", "像素"),
    ),
    "3d": (
        Look("", "", "3D animated feature film, soft global illumination, expressive stylized characters"),
        ("pixar", "3d animation", "3d animated", "3d", "cgi", "三维", "3d动画"),
    ),
    "cyberpunk": (
        Look("", "neon glow in teal and magenta", "cyberpunk, neon-soaked, rain-slick high-tech streets"),
        ("cyberpunk", "neon", "赛博朋克", "霓虹"),
    ),
    "documentary": (
        Look("", "", "nature documentary footage, telephoto lens, natural colors"),
        ("documentary", "纪录片"),
    ),
    "vintage": (
        Look("", "", "vintage 16mm film, faded colors, light leaks, heavy grain"),
        ("vintage", "retro", "vhs", "super 8", "8mm", "复古", "老电影", "胶片"),
    ),
    "oil": (
        Look("", "", "impressionist oil painting, visible brushstrokes, rich textured color"),
        ("oil painting", "impressionist", "油画"),
    ),
    "bw": (
        Look("", "high-contrast light", "black and white cinematography, silver tones"),
        ("black and white", "black-and-white", "monochrome", "黑白"),
    ),
}

# Subjects that have a face to close in on; anything else gets a texture/detail close-up.
ANIMATE = frozenset("""
monster kaiju creature cat kitten dog puppy corgi man woman girl boy lady guy person people child kid baby
astronaut dragon robot android cyborg knight samurai ninja wizard witch princess prince king queen soldier
detective dancer chef bird owl eagle crow fox wolf bear panda tiger lion horse unicorn deer rabbit bunny
monkey gorilla elephant giraffe whale shark dolphin octopus fish goldfish penguin frog duck mouse hamster
dinosaur alien ghost zombie vampire mermaid fairy elf phoenix hero heroine character pilot cowboy pirate
explorer traveler traveller student teacher grandma grandpa grandmother grandfather musician singer
skateboarder surfer runner warrior monk godzilla yeti bigfoot squirrel butterfly bee spider turtle
""".split())

# Proper place names written in lowercase by users get their capitals back.
PROPER_PLACES = (
    "New York", "Times Square", "Central Park", "Tokyo", "Shibuya", "Kyoto", "Paris", "London", "Venice",
    "Rome", "Shanghai", "Beijing", "Hong Kong", "Seoul", "Cairo", "Dubai", "San Francisco", "Los Angeles",
    "Chicago", "Mars", "Sahara", "Antarctica", "Iceland", "the Himalayas", "the Great Wall", "the Amazon",
)


@dataclass(frozen=True)
class Entry:
    """A Chinese phrase and its English; `kind` says how the parser uses it.

    kinds: subject (noun), adj, place (with `prep`), city (proper place), action, quantity, join ("and").
    """

    kind: str
    english: str
    prep: str = "in"


def _entries(kind: str, table: str, prep: str = "") -> dict[str, Entry]:
    entries = {}
    for line in table.strip().splitlines():
        parts = [part.strip() for part in line.split("|")]
        chinese, english = parts[0], parts[1]
        entries[chinese] = Entry(kind, english, parts[2] if len(parts) > 2 else (prep or "in"))
    return entries


ZH: dict[str, Entry] = {
    **_entries("subject", """
        怪物|monster
        怪兽|kaiju
        猫|cat
        猫咪|cat
        橘猫|orange tabby cat
        小猫|kitten
        狗|dog
        小狗|puppy
        柯基|corgi
        宇航员|astronaut
        龙|dragon
        机器人|robot
        女孩|girl
        小女孩|little girl
        男孩|boy
        小男孩|little boy
        少女|young woman
        老人|old man
        老奶奶|old woman
        男人|man
        女人|woman
        骑士|knight
        武士|samurai
        忍者|ninja
        熊猫|panda
        老虎|tiger
        狮子|lion
        狐狸|fox
        狼|wolf
        熊|bear
        兔子|rabbit
        鹿|deer
        马|horse
        鲸鱼|whale
        鲸|whale
        鱼|fish
        鸟|bird
        老鼠|mouse
        恐龙|dinosaur
        外星人|alien
        飞船|spaceship
        宇宙飞船|spaceship
        火车|train
        汽车|car
        船|boat
        小船|small boat
        巫师|wizard
        公主|princess
        侦探|detective
        舞者|dancer
        厨师|chef
        幽灵|ghost
        僵尸|zombie
        凤凰|phoenix
        蝴蝶|butterfly
        樱花|cherry blossoms
        灯笼|lanterns
    """),
    **_entries("adj", """
        巨大|giant
        大型|huge
        可爱|cute
        古老|ancient
        神秘|mysterious
        勇敢|brave
        孤独|lonely
        发光|glowing
        机械|mechanical
        毛茸茸|fluffy
        年轻|young
        白色|white
        黑色|black
        红色|red
        金色|golden
        蓝色|blue
    """),
    **_entries("city", """
        纽约|New York
        东京|Tokyo
        巴黎|Paris
        伦敦|London
        上海|Shanghai
        北京|Beijing
        香港|Hong Kong
        京都|Kyoto
        威尼斯|Venice
    """),
    **_entries("place", """
        街道|the streets|through
        街头|the streets|through
        街上|the streets|through
        马路|the road|along
        城市|a city|through
        海边|the beach|on
        海滩|the beach|on
        沙滩|the beach|on
        大海|the ocean|across
        海上|the open sea|across
        海底|the ocean floor|across
        森林|a forest|through
        竹林|a bamboo forest|through
        雨林|a rainforest|through
        丛林|a jungle|through
        太空|outer space|in
        宇宙|outer space|in
        月球|the moon|on
        火星|Mars|on
        沙漠|a desert|across
        雪山|snowy mountains|across
        山顶|a mountain peak|on
        山谷|a valley|through
        城堡|a castle|in
        屋顶|a rooftop|on
        天空|the sky|across
        云端|the clouds|above
        草原|a grassland|across
        田野|open fields|across
        河边|a riverbank|along
        湖边|a lakeshore|along
        厨房|a kitchen|in
        咖啡馆|a cozy cafe|in
        房间|a room|in
        教室|a classroom|in
        公园|a park|in
        花园|a garden|in
        地铁|a subway car|in
        废墟|ancient ruins|through
        寺庙|a temple|in
        古镇|an ancient town|through
        村庄|a village|in
        桥|a bridge|on
        舞台|a stage|on
        图书馆|a library|in
        长城|the Great Wall|on
        时代广场|Times Square|in
    """),
    **_entries("action", """
        行走|walking
        走路|walking
        散步|strolling
        漫步|wandering
        奔跑|running
        跑步|running
        跑|running
        飞翔|flying
        飞行|flying
        飞|flying
        跳舞|dancing
        游泳|swimming
        战斗|fighting
        打架|fighting
        吃|eating
        唱歌|singing
        弹钢琴|playing the piano
        弹吉他|playing the guitar
        睡觉|sleeping
        看书|reading a book
        看日落|watching the sunset
        看星星|watching the stars
        看|looking at
        喝咖啡|drinking coffee
        做饭|cooking
        骑自行车|riding a bicycle
        骑|riding
        漂浮|floating
        降落|landing
        追逐|chasing
        追|chasing
        探索|exploring
        冲浪|surfing
        滑雪|skiing
        攀登|climbing
        爬|climbing
        穿过|passing through
        穿越|crossing
        摧毁|destroying
        破坏|wrecking
        咆哮|roaring
        喷火|breathing fire
        玩耍|playing
        玩|playing
        钓鱼|fishing
        画画|painting
        开车|driving
        航行|sailing
        升起|rising
        盘旋|circling
        站|standing
        坐|sitting
    """),
    **_entries("quantity", """
        一个|a
        一只|a
        一条|a
        一位|a
        一头|a
        一辆|a
        一艘|a
        一座|a
        一名|a
        两只|two
        两个|two
        一群|a group of
        很多|many
        许多|many
    """),
    **_entries("join", """
        和|and
        与|and
        跟|and
    """),
}
