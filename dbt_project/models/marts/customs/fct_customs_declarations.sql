{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='declaration_id',
        on_schema_change='fail',
    )
}}

{#
    One row per import declaration with its clearance milestones, its values in EUR and USD and
    its de minimis eligibility on the declaration day.

    FX: ECB reference rates of the declaration day (UTC), or of the latest earlier fixing on
    weekends and TARGET holidays (int_ecb_rates_filled_to_days). De minimis: the
    de_minimis_thresholds row of the destination (or of the EU for member states) in force on
    the declaration day, a row for the declaration's origin country taking precedence over a row
    for every origin; the declared value, converted to the threshold currency, is eligible when
    it does not exceed the threshold (inclusive).

    Incremental (delete+insert by declaration_id): an increment recomputes the declarations
    delivered in the build's batch of files and those with a clearance event in it (a late
    HELD or RELEASED of an old declaration). Reference data (countries, thresholds, ECB rates)
    are read as of the build: a change to them needs a --full-refresh.
#}

-- depends_on: {{ ref('stg_crossdock__build_batch_files') }}

with

all_declarations as not materialized (

    select * from {{ ref('stg_customs__declarations') }}

),

clearance_events as not materialized (

    select * from {{ ref('stg_customs__clearance_events') }}

),

clearances as (

    select * from {{ ref('int_clearance_events_pivoted_to_declarations') }}

),

{% if is_incremental() %}

touched_declarations as (

    select all_declarations.declaration_id
    from all_declarations
    where {{ in_build_batch('all_declarations') }}

    union

    select clearance_events.declaration_id
    from clearance_events
    where {{ in_build_batch('clearance_events') }}

),

{% endif %}

declarations as (

    select *
    from all_declarations
    {% if is_incremental() %}
    where declaration_id in (select touched_declarations.declaration_id from touched_declarations)
    {% endif %}

),

countries as (

    select * from {{ ref('dim_countries') }}

),

de_minimis_thresholds as (

    select * from {{ ref('de_minimis_thresholds') }}

),

daily_rates as (

    select * from {{ ref('int_ecb_rates_filled_to_days') }}

),

dated_declarations as (

    select

        declarations.*,
        {{ dbt.cast('declarations.declared_at', 'date') }} as declaration_date,
        coalesce(countries.is_eu, false) as is_eu_destination

    from declarations

    left join countries
        on declarations.destination_country = countries.iso2

),

matching_thresholds as (

    select

        dated_declarations.declaration_id,
        de_minimis_thresholds.de_minimis_threshold_id,
        de_minimis_thresholds.duty_threshold_amount,
        de_minimis_thresholds.tax_threshold_amount,
        de_minimis_thresholds.threshold_currency,

        row_number() over (
            partition by dated_declarations.declaration_id
            order by
                case when de_minimis_thresholds.origin_country is null then 1 else 0 end,
                de_minimis_thresholds.effective_from desc
        ) as precedence

    from dated_declarations

    inner join de_minimis_thresholds
        on
            (
                dated_declarations.destination_country = de_minimis_thresholds.destination
                or (
                    de_minimis_thresholds.destination = 'EU'
                    and dated_declarations.is_eu_destination
                )
            )
            and (
                de_minimis_thresholds.origin_country is null
                or dated_declarations.origin_country = de_minimis_thresholds.origin_country
            )
            and dated_declarations.declaration_date >= de_minimis_thresholds.effective_from
            and (
                de_minimis_thresholds.effective_to is null
                or dated_declarations.declaration_date <= de_minimis_thresholds.effective_to
            )

),

converted as (

    select

        dated_declarations.*,

        matching_thresholds.de_minimis_threshold_id,
        matching_thresholds.duty_threshold_amount,
        matching_thresholds.tax_threshold_amount,
        matching_thresholds.threshold_currency,

        declaration_rates.rate_date as fx_rate_date,
        declaration_rates.per_eur as currency_per_eur,
        usd_rates.per_eur as usd_per_eur,

        {{ dbt.cast(convert_currency(
            'dated_declarations.declared_value', 'dated_declarations.currency',
            'matching_thresholds.threshold_currency', 'declaration_rates.per_eur', 'threshold_rates.per_eur'
        ), 'decimal(18, 2)') }} as value_in_threshold_currency

    from dated_declarations

    left join matching_thresholds
        on
            dated_declarations.declaration_id = matching_thresholds.declaration_id
            and matching_thresholds.precedence = 1

    left join daily_rates as declaration_rates
        on
            dated_declarations.currency = declaration_rates.currency
            and dated_declarations.declaration_date = declaration_rates.date_day

    left join daily_rates as threshold_rates
        on
            matching_thresholds.threshold_currency = threshold_rates.currency
            and dated_declarations.declaration_date = threshold_rates.date_day

    left join daily_rates as usd_rates
        on
            usd_rates.currency = 'USD'
            and dated_declarations.declaration_date = usd_rates.date_day

),

{# No threshold (null) means no relief. #}
assessed as (

    select

        converted.*,
        case
            when converted.duty_threshold_amount is null then false
            else converted.value_in_threshold_currency <= converted.duty_threshold_amount
        end as is_duty_de_minimis,
        case
            when converted.tax_threshold_amount is null then false
            else converted.value_in_threshold_currency <= converted.tax_threshold_amount
        end as is_tax_de_minimis

    from converted

),

final as (

    select

        ----------  ids
        assessed.declaration_id,
        assessed.tracking_number,
        assessed.order_id,

        ---------- declaration
        assessed.broker,
        assessed.hs_code,
        substring(assessed.hs_code, 1, 2) as hs_chapter,
        assessed.goods_description,
        assessed.incoterm,
        assessed.origin_country,
        assessed.destination_country,
        assessed.currency,
        assessed.declared_value,
        assessed.duty_amount,
        assessed.vat_amount,
        assessed.declared_at,
        assessed.declaration_date,

        ---------- values in EUR and USD (ECB rate of the declaration day or the latest before)
        assessed.fx_rate_date,
        assessed.currency_per_eur,
        assessed.usd_per_eur,
        {%- for amount in ['declared_value', 'duty_amount', 'vat_amount'] %}
        {{ dbt.cast('round(assessed.' ~ amount ~ ' / assessed.currency_per_eur, 2)', 'decimal(18, 2)') }}
            as {{ amount }}_eur,
        {{ dbt.cast(
            'round(assessed.' ~ amount ~ ' / assessed.currency_per_eur * assessed.usd_per_eur, 2)',
            'decimal(18, 2)'
        ) }} as {{ amount }}_usd,
        {%- endfor %}

        ---------- de minimis on the declaration day
        assessed.de_minimis_threshold_id,
        assessed.threshold_currency,
        assessed.value_in_threshold_currency,
        assessed.duty_threshold_amount,
        assessed.tax_threshold_amount,
        assessed.is_duty_de_minimis,
        assessed.is_tax_de_minimis,
        assessed.is_duty_de_minimis or assessed.is_tax_de_minimis as is_de_minimis,

        ---------- clearance milestones (UTC)
        clearances.lodged_at,
        clearances.held_at,
        clearances.inspected_at,
        clearances.released_at,
        clearances.held_at is not null as was_held,
        clearances.inspected_at is not null as was_inspected,

        {{ dbt.cast(
            dbt.datediff('clearances.lodged_at', 'clearances.released_at', 'second') ~ ' / 3600.0',
            'decimal(18, 2)'
        ) }} as dwell_hours,

        ---------- current status
        clearances.current_status,
        clearances.current_status_at,
        coalesce(clearances.clearance_event_count, 0) as clearance_event_count

    from assessed

    left join clearances
        on assessed.declaration_id = clearances.declaration_id

)

select * from final
