with

countries as (

    select * from {{ ref('stg_reference__countries') }}

),

-- EU-27 member states (since the UK left on 2020-01-31).
eu_members as (

    select eu.member_iso2
    from (
        values
        ('AT'), ('BE'), ('BG'), ('HR'), ('CY'), ('CZ'), ('DK'), ('EE'), ('FI'),
        ('FR'), ('DE'), ('GR'), ('HU'), ('IE'), ('IT'), ('LV'), ('LT'), ('LU'),
        ('MT'), ('NL'), ('PL'), ('PT'), ('RO'), ('SK'), ('SI'), ('ES'), ('SE')
    ) as eu (member_iso2)

),

final as (

    select

        ----------  ids
        countries.iso2,
        countries.iso3,

        ---------- attributes
        countries.country_name,
        countries.currency,
        countries.region,
        countries.sub_region,

        ---------- flags
        eu_members.member_iso2 is not null as is_eu

    from countries
    left join eu_members
        on countries.iso2 = eu_members.member_iso2

)

select * from final
