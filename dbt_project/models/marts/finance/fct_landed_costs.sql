{#
    Landed cost per order line of placed (not cancelled) orders: goods + freight + insurance +
    duty + VAT + fees, in the order currency and in EUR and USD at the ECB rate of the order day
    (or the latest earlier fixing on weekends and TARGET holidays).

    Goods come from the order lines; duty and VAT from the order's import declarations
    (converted to the order currency at the order-day rate when the declaration currency
    differs). Freight, insurance and broker fees are not in any feed: they are estimated from the
    landed_cost_rate_card seed (is_*_estimated). Order-level charges are allocated to the lines
    by goods-value share, rounded to cents, and the line with the largest value (then the lowest
    line number) takes the rounding remainder so that the lines add up exactly to the order.

    Incremental (delete+insert by order_id: every line of a touched order is rewritten). An
    increment recomputes the orders with, in the build's batch of files, a line (a late line of
    an old order included), a declaration, or a tracking event that can change their parcels:
    of a new shipment, or of one whose events do not all name the same order, carrier and
    service (then every order its events name). Reference data (rate card, ECB rates) are read as of the
    build: a change to them needs a --full-refresh.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='order_id',
        on_schema_change='fail',
    )
}}

{%- set allocated = ['freight', 'duty', 'vat', 'fee'] -%}
{%- set allocated_and_insurance = allocated + ['insurance'] -%}
{%- set components = [
    'goods_value', 'freight_amount', 'insurance_amount', 'duty_amount', 'vat_amount', 'fee_amount'
] -%}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_order_lines as not materialized (

    select * from {{ ref('stg_marketplace__order_lines') }}

),

all_shipments as (

    select * from {{ ref('fct_shipment_journeys') }}

),

all_order_declarations as (

    select * from {{ ref('int_customs_declarations_aggregated_to_orders') }}

),

declarations as not materialized (

    select * from {{ ref('stg_customs__declarations') }}

),

tracking_events as not materialized (

    select * from {{ ref('stg_carrier__tracking_events') }}

),

{% if is_incremental() %}

{# A shipment's order, carrier and service are those of its latest event. Unless every event of
   a shipment in the batch carries the same (order, carrier, service) as all its earlier ones,
   its parcel may have moved or changed: the orders all its events name are touched. #}
batch_shipment_events as (

    select

        shipment_events.tracking_number,
        shipment_events.order_id,
        {{ in_build_batch('shipment_events') }} as is_in_batch,
        {{ generate_surrogate_key(['shipment_events.order_id', 'shipment_events.carrier', 'shipment_events.service']) }}
            as parcel_attributes_hash

    from tracking_events as shipment_events

    where
        shipment_events.tracking_number in (
            select batch_events.tracking_number
            from tracking_events as batch_events
            where {{ in_build_batch('batch_events') }}
        )

),

changed_shipments as (

    select tracking_number
    from batch_shipment_events
    group by 1
    having count(distinct parcel_attributes_hash) > 1 or bool_and(is_in_batch)

),

changed_parcels as (

    select distinct batch_shipment_events.order_id
    from batch_shipment_events
    inner join changed_shipments
        on batch_shipment_events.tracking_number = changed_shipments.tracking_number

),

touched_orders as (

    select all_order_lines.order_id
    from all_order_lines
    where {{ in_build_batch('all_order_lines') }}

    union

    select declarations.order_id
    from declarations
    where {{ in_build_batch('declarations') }}

    union

    select changed_parcels.order_id
    from changed_parcels

),

{% endif %}

order_lines as (

    select * from all_order_lines
    {% if is_incremental() %}
    where order_id in (select touched_orders.order_id from touched_orders)
    {% endif %}

),

shipments as (

    select * from all_shipments
    {% if is_incremental() %}
    where order_id in (select touched_orders.order_id from touched_orders)
    {% endif %}

),

order_declarations as (

    select * from all_order_declarations
    {% if is_incremental() %}
    where order_id in (select touched_orders.order_id from touched_orders)
    {% endif %}

),

rate_card as (

    select * from {{ ref('landed_cost_rate_card') }}

),

daily_rates as (

    select * from {{ ref('int_ecb_rates_filled_to_days') }}

),

placed_lines as (

    select

        order_line_id,
        order_id,
        line_number,
        platform,
        seller_id,
        sku,
        hs_code,
        currency,
        ship_from_country,
        ship_to_country,
        ordered_at,
        {{ dbt.cast('ordered_at', 'date') }} as order_date,
        quantity,
        unit_price,
        {{ dbt.cast('quantity * unit_price', 'decimal(18, 2)') }} as goods_value,
        case when ship_from_country = ship_to_country then 'domestic' else 'cross_border' end
            as lane_zone

    from order_lines

    where order_status != 'cancelled'

),

orders as (

    select

        order_id,
        currency,
        order_date,
        lane_zone,
        sum(goods_value) as order_goods_value,
        count(*) as line_count

    from placed_lines

    group by 1, 2, 3, 4

),

order_rates as (

    select

        orders.order_id,
        order_rates.rate_date as fx_rate_date,
        order_rates.per_eur as currency_per_eur,
        usd_rates.per_eur as usd_per_eur

    from orders

    left join daily_rates as order_rates
        on
            orders.currency = order_rates.currency
            and orders.order_date = order_rates.date_day

    left join daily_rates as usd_rates
        on
            usd_rates.currency = 'USD'
            and orders.order_date = usd_rates.date_day

),

{# One parcel per tracked shipment; an order not yet tracked is charged one parcel of unknown carrier and service. #}
parcels as (

    select

        orders.order_id,
        orders.order_date,
        orders.lane_zone,
        shipments.tracking_number,
        shipments.carrier,
        shipments.service

    from orders

    left join shipments
        on orders.order_id = shipments.order_id

),

{# What the rate card prices: freight per parcel, insurance and the broker fee per order (an order has no
   carrier or service, so only rows for any carrier and service price it). #}
priced_units as (

    select

        order_id,
        tracking_number,
        carrier,
        service,
        lane_zone,
        order_date,
        true as is_parcel

    from parcels

    union all

    select

        order_id,
        null as tracking_number,
        null as carrier,
        null as service,
        lane_zone,
        order_date,
        false as is_parcel

    from orders

),

{# The most specific rate card row per unit and charge: carrier, then service, then zone. #}
rate_card_matches as (

    select

        priced_units.order_id,
        priced_units.tracking_number,
        rate_card.charge_type,
        rate_card.amount,
        rate_card.currency,

        row_number() over (
            partition by priced_units.order_id, priced_units.tracking_number, rate_card.charge_type
            order by
                case when rate_card.carrier is null then 1 else 0 end,
                case when rate_card.service is null then 1 else 0 end,
                case when rate_card.lane_zone is null then 1 else 0 end
        ) as specificity_rank

    from priced_units

    inner join rate_card
        on
            (rate_card.charge_type = 'freight') = priced_units.is_parcel
            and (rate_card.carrier is null or priced_units.carrier = rate_card.carrier)
            and (rate_card.service is null or priced_units.service = rate_card.service)
            and (rate_card.lane_zone is null or priced_units.lane_zone = rate_card.lane_zone)
            and priced_units.order_date >= rate_card.effective_from
            and (rate_card.effective_to is null or priced_units.order_date <= rate_card.effective_to)

),

order_freight as (

    select

        parcel_freight.order_id,
        count(*) as parcel_count,
        sum({{ convert_currency(
            'parcel_freight.amount', 'parcel_freight.currency', 'orders.currency',
            'freight_rates.per_eur', 'order_rates.currency_per_eur'
        ) }}) as freight_amount

    from rate_card_matches as parcel_freight

    inner join orders
        on parcel_freight.order_id = orders.order_id

    inner join order_rates
        on parcel_freight.order_id = order_rates.order_id

    left join daily_rates as freight_rates
        on
            parcel_freight.currency = freight_rates.currency
            and orders.order_date = freight_rates.date_day

    where
        parcel_freight.charge_type = 'freight'
        and parcel_freight.specificity_rank = 1

    group by 1

),

{# Rate card amounts converted to the order currency at the order-day rate. #}
order_charges as (

    select

        orders.order_id,
        orders.order_goods_value,
        orders.line_count,
        order_rates.fx_rate_date,
        order_rates.currency_per_eur,
        order_rates.usd_per_eur,

        coalesce(freight.freight_amount, 0) as freight_amount,
        coalesce(freight.parcel_count, 0) as parcel_count,
        coalesce(insurance.amount, 0) as insurance_rate,
        coalesce(order_declarations.declaration_count, 0) as declaration_count,
        order_declarations.order_id is not null as has_customs_declaration,

        {%- for levy in ['duty', 'vat'] %}

        case
            when order_declarations.order_id is null then 0
            else {{ convert_currency(
                'order_declarations.' ~ levy ~ '_amount', 'order_declarations.currency', 'orders.currency',
                'declaration_rates.per_eur', 'order_rates.currency_per_eur'
            ) }}
        end as {{ levy }}_amount,
        {%- endfor %}

        case
            when broker_fee.amount is null or order_declarations.order_id is null then 0
            else {{ convert_currency(
                'order_declarations.declaration_count * broker_fee.amount', 'broker_fee.currency', 'orders.currency',
                'broker_fee_rates.per_eur', 'order_rates.currency_per_eur'
            ) }}
        end as fee_amount

    from orders

    left join order_rates
        on orders.order_id = order_rates.order_id

    left join order_freight as freight
        on orders.order_id = freight.order_id

    left join rate_card_matches as insurance
        on
            orders.order_id = insurance.order_id
            and insurance.charge_type = 'insurance'
            and insurance.specificity_rank = 1

    left join rate_card_matches as broker_fee
        on
            orders.order_id = broker_fee.order_id
            and broker_fee.charge_type = 'broker_fee'
            and broker_fee.specificity_rank = 1

    left join daily_rates as broker_fee_rates
        on
            broker_fee.currency = broker_fee_rates.currency
            and orders.order_date = broker_fee_rates.date_day

    left join order_declarations
        on orders.order_id = order_declarations.order_id

    left join daily_rates as declaration_rates
        on
            order_declarations.currency = declaration_rates.currency
            and orders.order_date = declaration_rates.date_day

),

shares as (

    select

        placed_lines.*,
        order_charges.fx_rate_date,
        order_charges.currency_per_eur,
        order_charges.usd_per_eur,
        order_charges.parcel_count,
        order_charges.declaration_count,
        order_charges.has_customs_declaration,
        order_charges.insurance_rate,
        {%- for charge in allocated %}
        order_charges.{{ charge }}_amount as order_{{ charge }}_amount,
        {%- endfor %}

        case
            when order_charges.order_goods_value > 0
                then
                    {{ dbt.cast('placed_lines.goods_value', 'double precision') }}
                    / order_charges.order_goods_value
            else 1.0 / order_charges.line_count
        end as value_share,

        row_number() over (
            partition by placed_lines.order_id
            order by placed_lines.goods_value desc, placed_lines.line_number asc
        ) as remainder_rank

    from placed_lines

    inner join order_charges
        on placed_lines.order_id = order_charges.order_id

),

rounded_shares as (

    select

        shares.*,
        {%- for charge in allocated %}
        round(shares.order_{{ charge }}_amount * shares.value_share, 2) as rounded_{{ charge }}_share,
        sum(round(shares.order_{{ charge }}_amount * shares.value_share, 2)) over (
            partition by shares.order_id
        ) as rounded_{{ charge }}_total,
        {%- endfor %}
        round(shares.goods_value * shares.insurance_rate, 2) as rounded_insurance

    from shares

),

{# The line with remainder_rank 1 takes what rounding left over, so the lines add up exactly. #}
allocated as (

    select

        rounded_shares.*,
        {%- for charge in allocated %}
        case
            when rounded_shares.remainder_rank = 1
                then
                    rounded_shares.order_{{ charge }}_amount
                    - (rounded_shares.rounded_{{ charge }}_total - rounded_shares.rounded_{{ charge }}_share)
            else rounded_shares.rounded_{{ charge }}_share
        end as allocated_{{ charge }}_amount,
        {%- endfor %}
        coalesce(rounded_shares.rounded_insurance, 0) as allocated_insurance_amount

    from rounded_shares

),

amounts as (

    select

        allocated.*,
        {%- for charge in allocated_and_insurance %}
        {{ dbt.cast('allocated.allocated_' ~ charge ~ '_amount', 'decimal(18, 2)') }} as {{ charge }}_amount,
        {%- endfor %}
        allocated.lane_zone = 'cross_border' as is_cross_border

    from allocated

),

converted as (

    select

        {%- for component in components %}
        {{ dbt.cast('round(amounts.' ~ component ~ ' / amounts.currency_per_eur, 2)', 'decimal(18, 2)') }}
            as {{ component }}_eur,
        {{ dbt.cast(
            'round(amounts.' ~ component ~ ' / amounts.currency_per_eur * amounts.usd_per_eur, 2)',
            'decimal(18, 2)'
        ) }} as {{ component }}_usd,
        {%- endfor %}
        amounts.*

    from amounts

),

final as (

    select

        ----------  ids
        order_line_id,
        order_id,
        line_number,
        platform,
        seller_id,
        sku,
        hs_code,

        ---------- order
        ordered_at,
        order_date,
        ship_from_country,
        ship_to_country,
        is_cross_border,
        quantity,
        unit_price,
        currency,
        {{ dbt.cast('value_share', 'double precision') }} as value_share,

        ---------- landed cost in the order currency
        goods_value,
        freight_amount,
        insurance_amount,
        duty_amount,
        vat_amount,
        fee_amount,
        {{ dbt.cast(
            'goods_value + freight_amount + insurance_amount + duty_amount + vat_amount + fee_amount',
            'decimal(18, 2)'
        ) }} as landed_cost,

        ---------- provenance
        {{ dbt.cast('parcel_count', dbt.type_int()) }} as parcel_count,
        {{ dbt.cast('declaration_count', dbt.type_int()) }} as declaration_count,
        has_customs_declaration,
        true as is_freight_estimated,
        true as is_insurance_estimated,
        true as is_fee_estimated,

        ---------- FX: ECB rate of the order day or the latest earlier fixing
        fx_rate_date,
        currency_per_eur,
        usd_per_eur,

        ---------- landed cost in EUR
        {%- for component in components %}
        {{ component }}_eur,
        {%- endfor %}
        {{ dbt.cast(
            'goods_value_eur + freight_amount_eur + insurance_amount_eur + duty_amount_eur'
            ~ ' + vat_amount_eur + fee_amount_eur',
            'decimal(18, 2)'
        ) }} as landed_cost_eur,

        ---------- landed cost in USD
        {%- for component in components %}
        {{ component }}_usd,
        {%- endfor %}
        {{ dbt.cast(
            'goods_value_usd + freight_amount_usd + insurance_amount_usd + duty_amount_usd'
            ~ ' + vat_amount_usd + fee_amount_usd',
            'decimal(18, 2)'
        ) }} as landed_cost_usd

    from converted

)

select * from final
