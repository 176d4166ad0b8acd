{#
    The rows of `relation` whose key the build's batch touches: in an increment, every row
    (old ones included) of each key that has a row in the batch's files (in_build_batch); in a
    full build, every row. `relation` is an import CTE over the lake declared
    `as not materialized` (it is read twice); `keys` are its key columns.
#}
{% macro rows_of_touched_keys(relation, keys) -%}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    inner join (
        select distinct {{ keys | join(', ') }}
        from {{ relation }}
        where {{ in_build_batch() }}
    ) as touched_keys
        on
        {%- for key in keys %}
            {{ 'and ' if not loop.first }}{{ relation }}.{{ key }} = touched_keys.{{ key }}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}
