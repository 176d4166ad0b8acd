"""Olist-style relational CSV dump, one folder of sibling tables per delivery day.

`landing/marketplace/olist/<day>/`: `olist_order_items_dataset.csv` (the file the feed matches,
one row per unit sold), joined with its siblings `olist_orders_dataset.csv`,
`olist_products_dataset.csv` and `olist_sellers_dataset.csv` of the same folder
(`olist_order_payments_dataset.csv` is delivered too but carries nothing canonical). Real Olist
column names and quirks: every value is read as text (zip prefixes keep their leading zeros),
quoting varies from field to field, and products keep the misspelled `product_name_lenght` /
`product_description_lenght` columns.

Mapping to `marketplace_order_lines` (Olist is domestic Brazil: `BRL`, ship to and from `BR`):

- order_id, seller_id: items `order_id`, `seller_id`; sku: items `product_id`.
- line_number, quantity: Olist writes one item row per unit (`order_item_id` 1..n). Consecutive
  item rows of an order with the same product, seller, price and shipping limit are one canonical
  line; quantity is their count, line_number their 1-based position in the order.
- unit_price: items `price` (per unit; `freight_value` is not part of the price).
- product_category: products `product_category_name` in English, via Olist's own
  `product_category_name_translation` table (embedded below; an unknown name passes unchanged).
- hs_code: Olist has none (domestic trade). The HS 2022 subheading of the English category from
  the classification crossdock uses for its catalogue (`HS_BY_CATEGORY`, same as the simulator);
  a product in another category, or without one, is a row error (extend the table to admit it).
- ordered_at: orders `order_purchase_timestamp`, naive Sao Paulo local time -> UTC.
- ship_by_date: date part of items `shipping_limit_date`.
- promised_delivery_date: date part of orders `order_estimated_delivery_date`.
- ship_from_country: `BR` when the seller is in the sellers table (else empty: a row error).
- order_status: orders `order_status`; `canceled`/`unavailable` -> `cancelled`, the other Olist
  statuses -> `placed`, an unknown one passes unchanged so that the gate names it.

Lineage: `_source_line` is the line of the (first) item row in the items file; a bad value that
comes from a sibling table (e.g. the purchase timestamp) is reported at that item line.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import polars as pl

from ingestion.contract import FeedError
from ingestion.feed import Feed, compressed_error
from ingestion.marketplace_orders_csv import CONTRACT

PLATFORM = "olist"
TIME_ZONE = "America/Sao_Paulo"
ITEMS = "olist_order_items_dataset.csv"
ORDERS = "olist_orders_dataset.csv"
PAYMENTS = "olist_order_payments_dataset.csv"
PRODUCTS = "olist_products_dataset.csv"
SELLERS = "olist_sellers_dataset.csv"
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {  # real Olist headers
    ITEMS: (
        "order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price",
        "freight_value",
    ),
    ORDERS: (
        "order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at",
        "order_delivered_carrier_date", "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ),
    PAYMENTS: (
        "order_id", "payment_sequential", "payment_type", "payment_installments", "payment_value",
    ),
    PRODUCTS: (
        "product_id", "product_category_name", "product_name_lenght",
        "product_description_lenght", "product_photos_qty", "product_weight_g",
        "product_length_cm", "product_height_cm", "product_width_cm",
    ),
    SELLERS: ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
}  # fmt: skip
USED_COLUMNS: dict[str, tuple[str, ...]] = {  # what the connector needs from each table
    ITEMS: ("order_id", "product_id", "seller_id", "shipping_limit_date", "price"),
    ORDERS: (
        "order_id", "order_status", "order_purchase_timestamp", "order_estimated_delivery_date",
    ),
    PRODUCTS: ("product_id", "product_category_name"),
    SELLERS: ("seller_id",),
}  # fmt: skip
CANCELLED_STATUSES = ("canceled", "unavailable")
PLACED_STATUSES = ("created", "approved", "invoiced", "processing", "shipped", "delivered")

# Olist's product_category_name_translation.csv (olist/work-at-olist-data, MIT), verbatim.
CATEGORY_EN: dict[str, str] = {
    "beleza_saude": "health_beauty",
    "informatica_acessorios": "computers_accessories",
    "automotivo": "auto",
    "cama_mesa_banho": "bed_bath_table",
    "moveis_decoracao": "furniture_decor",
    "esporte_lazer": "sports_leisure",
    "perfumaria": "perfumery",
    "utilidades_domesticas": "housewares",
    "telefonia": "telephony",
    "relogios_presentes": "watches_gifts",
    "alimentos_bebidas": "food_drink",
    "bebes": "baby",
    "papelaria": "stationery",
    "tablets_impressao_imagem": "tablets_printing_image",
    "brinquedos": "toys",
    "telefonia_fixa": "fixed_telephony",
    "ferramentas_jardim": "garden_tools",
    "fashion_bolsas_e_acessorios": "fashion_bags_accessories",
    "eletroportateis": "small_appliances",
    "consoles_games": "consoles_games",
    "audio": "audio",
    "fashion_calcados": "fashion_shoes",
    "cool_stuff": "cool_stuff",
    "malas_acessorios": "luggage_accessories",
    "climatizacao": "air_conditioning",
    "construcao_ferramentas_construcao": "construction_tools_construction",
    "moveis_cozinha_area_de_servico_jantar_e_jardim": "kitchen_dining_laundry_garden_furniture",
    "construcao_ferramentas_jardim": "costruction_tools_garden",
    "fashion_roupa_masculina": "fashion_male_clothing",
    "pet_shop": "pet_shop",
    "moveis_escritorio": "office_furniture",
    "market_place": "market_place",
    "eletronicos": "electronics",
    "eletrodomesticos": "home_appliances",
    "artigos_de_festas": "party_supplies",
    "casa_conforto": "home_confort",
    "construcao_ferramentas_ferramentas": "costruction_tools_tools",
    "agro_industria_e_comercio": "agro_industry_and_commerce",
    "moveis_colchao_e_estofado": "furniture_mattress_and_upholstery",
    "livros_tecnicos": "books_technical",
    "casa_construcao": "home_construction",
    "instrumentos_musicais": "musical_instruments",
    "moveis_sala": "furniture_living_room",
    "construcao_ferramentas_iluminacao": "construction_tools_lights",
    "industria_comercio_e_negocios": "industry_commerce_and_business",
    "alimentos": "food",
    "artes": "art",
    "moveis_quarto": "furniture_bedroom",
    "livros_interesse_geral": "books_general_interest",
    "construcao_ferramentas_seguranca": "construction_tools_safety",
    "fashion_underwear_e_moda_praia": "fashion_underwear_beach",
    "fashion_esporte": "fashion_sport",
    "sinalizacao_e_seguranca": "signaling_and_security",
    "pcs": "computers",
    "artigos_de_natal": "christmas_supplies",
    "fashion_roupa_feminina": "fashio_female_clothing",
    "eletrodomesticos_2": "home_appliances_2",
    "livros_importados": "books_imported",
    "bebidas": "drinks",
    "cine_foto": "cine_photo",
    "la_cuisine": "la_cuisine",
    "musica": "music",
    "casa_conforto_2": "home_comfort_2",
    "portateis_casa_forno_e_cafe": "small_appliances_home_oven_and_coffee",
    "cds_dvds_musicais": "cds_dvds_musicals",
    "dvds_blu_ray": "dvds_blu_ray",
    "flores": "flowers",
    "artes_e_artesanato": "arts_and_craftmanship",
    "fraldas_higiene": "diapers_and_hygiene",
    "fashion_roupa_infanto_juvenil": "fashion_childrens_clothes",
    "seguros_e_servicos": "security_and_services",
}
CATEGORY_PT: dict[str, str] = {en: pt for pt, en in CATEGORY_EN.items()}
# HS 2022 subheadings of the categories crossdock sells (same classification as the simulator).
HS_BY_CATEGORY: dict[str, str] = {
    "bed_bath_table": "630231", "sports_leisure": "950691", "furniture_decor": "940360",
    "health_beauty": "330499", "housewares": "732393", "auto": "870829",
    "computers_accessories": "847160", "toys": "950300", "watches_gifts": "910211",
    "telephony": "850440", "baby": "611120", "perfumery": "330300", "cool_stuff": "950590",
    "garden_tools": "820190", "electronics": "851830",
}  # fmt: skip


def sibling_name(source_file: str, name: str) -> str:
    return str(PurePosixPath(source_file).with_name(name))


def read_table(path: Path, source_file: str, table: str) -> pl.DataFrame:
    """One Olist table, all text, with its file line; missing file or column is a FeedError."""
    if not path.is_file():
        raise FeedError(f"{source_file}: missing (the {ITEMS} of this folder needs it)")
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8", raise_if_empty=True)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise FeedError(f"{source_file}: cannot be parsed as CSV: {exc}") from exc
    except OSError as exc:
        error = compressed_error(path, source_file, exc)
        if error is exc:
            raise
        raise error from exc
    frame = frame.rename(lambda c: c.lstrip("\ufeff").strip())
    missing = [c for c in USED_COLUMNS.get(table, ()) if c not in frame.columns]
    if missing:
        raise FeedError(f"{source_file}: missing required column(s) {', '.join(missing)}")
    return frame.with_row_index("_source_line", offset=2).with_columns(
        pl.col("_source_line").cast(pl.Int64)
    )


def read_tables(items_path: Path, source_file: str) -> dict[str, pl.DataFrame]:
    """The items file and the sibling tables the connector joins, keyed by file name."""
    tables = {ITEMS: read_table(items_path, source_file, ITEMS)}
    for name in (ORDERS, PRODUCTS, SELLERS):
        path = items_path.with_name(name)
        tables[name] = read_table(path, sibling_name(source_file, name), name)
    for name, key in ((ORDERS, "order_id"), (PRODUCTS, "product_id"), (SELLERS, "seller_id")):
        dupes = tables[name].filter(pl.col(key).is_duplicated() & pl.col(key).is_not_null())
        if dupes.height:
            line, value = dupes.row(0, named=True)["_source_line"], dupes[key][0]
            raise FeedError(f"{sibling_name(source_file, name)}:{line}: duplicate {key} {value!r}")
    return tables


def _date_part(col: str) -> pl.Expr:
    """`2017-09-19 09:45:35` -> `2017-09-19`; anything else unchanged (the cast names it)."""
    text = pl.col(col).str.strip_chars()
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}([ T]|$)"))
        .then(text.str.slice(0, 10))
        .otherwise(text)
    )


def _local_to_utc(col: str) -> pl.Expr:
    """Olist's naive Sao Paulo timestamps as ISO 8601 with offset; unparsable text unchanged."""
    text = pl.col(col).str.strip_chars()
    iso = (
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
        .dt.replace_time_zone(TIME_ZONE, ambiguous="earliest", non_existent="null")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    )
    return pl.coalesce(iso, text)


def read_olist_day(path: Path, source_file: str) -> pl.DataFrame:
    tables = read_tables(path, source_file)
    items = tables[ITEMS].select(*USED_COLUMNS[ITEMS], "_source_line")
    # One canonical line per run of identical unit rows of an order (Olist has no quantity).
    run_key = [c for c in USED_COLUMNS[ITEMS]]
    new_run = pl.any_horizontal(
        *[pl.col(c).ne_missing(pl.col(c).shift(1)) for c in run_key]
    ).fill_null(True)
    lines = (
        items.with_columns(new_run.cum_sum().alias("_run"))
        .group_by("_run", maintain_order=True)
        .agg(pl.all().first(), pl.len().alias("_units"))
        .with_columns((pl.int_range(pl.len()).over("order_id") + 1).alias("_line"))
    )
    orders = tables[ORDERS].select(USED_COLUMNS[ORDERS])
    products = tables[PRODUCTS].select(USED_COLUMNS[PRODUCTS])
    sellers = tables[SELLERS].select("seller_id", pl.lit(True).alias("_known_seller"))
    joined = (
        lines.join(orders, on="order_id", how="left", nulls_equal=False)
        .join(products, on="product_id", how="left")
        .join(sellers, on="seller_id", how="left")
        .sort("_source_line")
    )
    category = pl.col("product_category_name").str.strip_chars()
    english = category.replace(CATEGORY_EN)
    status = pl.col("order_status").str.strip_chars()
    return joined.select(
        "order_id",
        pl.col("_line").cast(pl.String).alias("line_number"),
        pl.lit(PLATFORM).alias("platform"),
        "seller_id",
        pl.col("product_id").alias("sku"),
        english.alias("product_category"),
        english.replace_strict(HS_BY_CATEGORY, default=None, return_dtype=pl.String).alias(
            "hs_code"
        ),
        pl.col("_units").cast(pl.String).alias("quantity"),
        pl.col("price").alias("unit_price"),
        pl.lit("BRL").alias("currency"),
        _local_to_utc("order_purchase_timestamp").alias("ordered_at"),
        _date_part("shipping_limit_date").alias("ship_by_date"),
        _date_part("order_estimated_delivery_date").alias("promised_delivery_date"),
        pl.when(pl.col("_known_seller")).then(pl.lit("BR")).alias("ship_from_country"),
        pl.lit("BR").alias("ship_to_country"),
        pl.when(status.is_in(CANCELLED_STATUSES))
        .then(pl.lit("cancelled"))
        .when(status.is_in(PLACED_STATUSES))
        .then(pl.lit("placed"))
        .otherwise(pl.col("order_status"))
        .alias("order_status"),
        "_source_line",
    )


FEED = Feed(
    name="olist_orders_csv",
    family="marketplace",
    folder="olist",
    pattern=ITEMS,
    contract=CONTRACT,
    read_raw=read_olist_day,
)
