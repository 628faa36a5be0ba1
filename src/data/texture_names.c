/* texture_names.c — the table of pattern names (see texture_names.h). */
#include "texture_names.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *stem;
    TextureName name;
} patterns[] = {
    {"leather", {"leather", "가죽"}},
    {"leopard", {"leopard fur", "표범 무늬 털"}},
    {"burlap", {"burlap cloth", "삼베 천"}},
    {"choc_swirl", {"chocolate swirl", "초콜릿 소용돌이"}},
    {"java", {"coffee beans", "커피콩"}},
    {"3dgreen", {"raised squares", "입체 사각형"}},
    {"Stripes1px", {"fine stripes", "가는 줄무늬"}},
    {"Stripes2px", {"stripes", "줄무늬"}},
    {"blue", {"swirls", "소용돌이 무늬"}},
    {"bluegrid", {"grid", "격자"}},
    {"bluesquares", {"squares", "사각형 무늬"}},
    {"blueweb", {"web", "거미줄 무늬"}},
    {"fibers", {"fibers", "섬유"}},
    {"nops", {"bumps", "돌기 무늬"}},
    {"pastel", {"pastel shapes", "파스텔 무늬"}},
    {"qube1", {"isometric cubes", "입체 정육면체"}},
    {"recessed", {"recessed tiles", "움푹 팬 타일"}},
    {"redcube", {"cubes", "정육면체"}},
    {"sm_squares", {"small squares", "작은 사각형"}},
    {"warning", {"warning stripes", "경고 줄무늬"}},
    {"crinklepaper", {"crinkled paper", "구겨진 종이"}},
    {"paper", {"paper", "종이"}},
    {"leaves", {"maple leaves", "단풍잎"}},
    {"lightning", {"lightning", "번개"}},
    {"sky", {"cloudy sky", "구름 낀 하늘"}},
    {"starfield", {"starry sky", "별이 빛나는 하늘"}},
    {"Craters", {"craters", "분화구"}},
    {"Moonfoot", {"moon surface", "달 표면"}},
    {"amethyst", {"amethyst", "자수정"}},
    {"brick", {"brick wall", "벽돌 벽"}},
    {"cracked", {"cracked ground", "갈라진 땅"}},
    {"granite1", {"granite", "화강암"}},
    {"ground1", {"dried mud", "마른 진흙"}},
    {"marble1", {"marble", "대리석"}},
    {"marble2", {"marble", "대리석"}},
    {"marble3", {"marble", "대리석"}},
    {"pink_marble", {"marble", "대리석"}},
    {"rock", {"rocks", "바위"}},
    {"slate", {"slate", "점판암"}},
    {"stone33", {"stone", "돌"}},
    {"terra", {"terracotta", "테라코타"}},
    {"electric", {"electric waves", "전기 물결"}},
    {"ice", {"ice", "얼음"}},
    {"pool", {"pool water", "수영장 물"}},
    {"rain", {"rain", "비"}},
    {"bark", {"tree bark", "나무껍질"}},
    {"burlwood", {"burl wood", "옹이 나무"}},
    {"corkboard", {"cork board", "코르크 판"}},
    {"parque1", {"parquet floor", "쪽매 마루"}},
    {"parque2", {"parquet floor", "쪽매 마루"}},
    {"parque3", {"parquet floor", "쪽매 마루"}},
    {"pine", {"pine wood", "소나무 목재"}},
    {"walnut", {"walnut wood", "호두나무 목재"}},
    {"wood1", {"wood grain", "나뭇결"}},
    {"wood2", {"pine wood", "소나무 목재"}},
    {"wood3", {"wood grain", "나뭇결"}},
    {"wood4", {"wood grain", "나뭇결"}},
    {"wood5", {"wood grain", "나뭇결"}},
};

static const struct {
    const char *folder;
    TextureName name;
} categories[] = {
    {"Animal", {"animal skin", "동물 가죽"}}, {"Fabric", {"fabric", "직물"}}, {"Food", {"food", "음식"}},
    {"Legacy", {"pattern", "무늬"}},         {"Paper", {"paper", "종이"}},   {"Plant", {"plant", "식물"}},
    {"Sky", {"sky", "하늘"}},                {"Stone", {"stone", "돌"}},     {"Water", {"water", "물"}},
    {"Wood", {"wood", "나무"}},
};

TextureName texture_category_name(const char *category) {
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        if (strcasecmp(categories[i].folder, category) == 0) return categories[i].name;
    return (TextureName){"pattern", "무늬"};
}

TextureName texture_name_lookup(const char *category, const char *stem, const char *fallback_en) {
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
        if (strcmp(patterns[i].stem, stem) == 0) return patterns[i].name;
    TextureName cat = texture_category_name(category);
    return (TextureName){fallback_en && fallback_en[0] ? fallback_en : cat.en, cat.ko};
}
