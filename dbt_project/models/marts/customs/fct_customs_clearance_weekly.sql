{#
    Weekly customs clearance per destination country x HS chapter, by the week (Monday) of the
    declaration. Dwell percentiles are over the released declarations of the week; amounts are
    summed in EUR (ECB rate of each declaration day) so that currencies add up.
#}

with

declarations as (

    select * from {{ ref('fct_customs_declarations') }}

),

weekly_declarations as (

    select

        destination_country,
        hs_chapter,
        {{ dbt.cast(dbt.date_trunc('week', 'declared_at'), 'date') }} as declaration_week,
        was_held,
        was_inspected,
        is_de_minimis,
        released_at is not null as is_released,
        {# interpolate in floating point, then round: percentile_cont over a decimal truncates #}
        {{ dbt.cast('dwell_hours', 'double precision') }} as dwell_hours,
        declared_value_eur,
        duty_amount_eur,
        vat_amount_eur

    from declarations

),

aggregated as (

    select

        destination_country,
        hs_chapter,
        declaration_week,

        count(*) as declarations,
        sum(case when is_released then 1 else 0 end) as released_declarations,
        sum(case when was_held then 1 else 0 end) as held_declarations,
        sum(case when was_inspected then 1 else 0 end) as inspected_declarations,
        sum(case when is_de_minimis then 1 else 0 end) as de_minimis_declarations,

        {{ percentile('dwell_hours', 0.5) }} as dwell_hours_p50,
        {{ percentile('dwell_hours', 0.9) }} as dwell_hours_p90,

        sum(declared_value_eur) as customs_value_eur,
        sum(duty_amount_eur) as duty_amount_eur,
        sum(vat_amount_eur) as vat_amount_eur

    from weekly_declarations

    group by 1, 2, 3

),

final as (

    select

        ----------  ids
        {{ generate_surrogate_key(['destination_country', 'hs_chapter', 'declaration_week']) }}
            as customs_week_id,

        ---------- grain
        destination_country,
        hs_chapter,
        declaration_week,

        ---------- counts
        {{ dbt.cast('declarations', dbt.type_int()) }} as declarations,
        {{ dbt.cast('released_declarations', dbt.type_int()) }} as released_declarations,
        {{ dbt.cast('held_declarations', dbt.type_int()) }} as held_declarations,
        {{ dbt.cast('inspected_declarations', dbt.type_int()) }} as inspected_declarations,
        {{ dbt.cast('de_minimis_declarations', dbt.type_int()) }} as de_minimis_declarations,

        ---------- rates
        {{ safe_ratio('held_declarations', 'declarations') }} as hold_rate,
        {{ safe_ratio('inspected_declarations', 'declarations') }} as inspection_rate,
        {{ safe_ratio('de_minimis_declarations', 'declarations') }} as de_minimis_share,

        ---------- clearance dwell of released declarations, hours
        {{ dbt.cast('dwell_hours_p50', 'decimal(18, 2)') }} as dwell_hours_p50,
        {{ dbt.cast('dwell_hours_p90', 'decimal(18, 2)') }} as dwell_hours_p90,

        ---------- duty and VAT, EUR
        {{ dbt.cast('customs_value_eur', 'decimal(18, 2)') }} as customs_value_eur,
        {{ dbt.cast('duty_amount_eur', 'decimal(18, 2)') }} as duty_amount_eur,
        {{ dbt.cast('vat_amount_eur', 'decimal(18, 2)') }} as vat_amount_eur,
        {{ safe_ratio('duty_amount_eur', 'customs_value_eur') }} as effective_duty_rate,
        {{ safe_ratio('vat_amount_eur', 'customs_value_eur') }} as effective_vat_rate

    from aggregated

)

select * from final
