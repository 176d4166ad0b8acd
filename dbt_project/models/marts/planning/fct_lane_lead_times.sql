{#
    The measured lead-time distribution the replenishment advice reads: transit_days of the
    delivered cross-border crossdock shipments (hand-over to the carrier -> delivery, customs
    dwell included; SCMS left out), delivered in the `replenishment_lead_time_lookback_days`
    days up to the newest delivery, at three levels: each lane (origin x destination), each
    destination (every origin), and the whole network.
#}

{%- set lookback_days = var('replenishment_lead_time_lookback_days', 91) -%}

with

shipments as (

    select * from {{ ref('fct_shipment_journeys') }}

),

delivered as (

    select

        origin_country,
        destination_country,
        delivered_date,
        {{ dbt.cast('transit_days', 'double') }} as lead_time_days

    from shipments

    where
        source_system = 'crossdock'
        and is_delivered
        and is_cross_border
        and transit_days is not null

),

lead_time_clock as (

    select

        max(delivered_date) as window_end_date,
        max(delivered_date) - {{ lookback_days }} + 1 as window_start_date

    from delivered

),

recent as (

    select

        delivered.origin_country,
        delivered.destination_country,
        delivered.lead_time_days,
        lead_time_clock.window_start_date,
        lead_time_clock.window_end_date

    from delivered

    inner join lead_time_clock
        on
            delivered.delivered_date >= lead_time_clock.window_start_date
            and delivered.delivered_date <= lead_time_clock.window_end_date

),

levels as (

    {#- The same distribution at three levels: lane, destination, whole network. #}
    {%- set levels = [
        ('lane', ['origin_country', 'destination_country']),
        ('destination', ['destination_country']),
        ('network', []),
    ] %}
    {%- for basis, keys in levels %}

    select

        '{{ basis }}' as lead_time_basis,
        {{ 'origin_country' if 'origin_country' in keys else 'null' }} as origin_country,
        {{ 'destination_country' if 'destination_country' in keys else 'null' }}
            as destination_country,
        window_start_date,
        window_end_date,
        count(*) as shipments,
        avg(lead_time_days) as mean_days,
        stddev_samp(lead_time_days) as sd_days,
        {{ percentile('lead_time_days', 0.5) }} as p50_days,
        {{ percentile('lead_time_days', 0.9) }} as p90_days

    from recent

    group by
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        window_start_date,
        window_end_date
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['lead_time_basis', 'origin_country', 'destination_country']) }}
            as lane_lead_time_id,
        lead_time_basis,
        {{ dbt.cast('origin_country', dbt.type_string()) }} as origin_country,
        {{ dbt.cast('destination_country', dbt.type_string()) }} as destination_country,

        ---------- window
        window_start_date,
        window_end_date,

        ---------- distribution, days
        {{ dbt.cast('shipments', dbt.type_bigint()) }} as shipments,
        mean_days,
        sd_days,
        p50_days,
        p90_days

    from levels

)

select * from final
