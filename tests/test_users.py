"""users_of: the reverse of Value.children, one entry per edge, checked by brute-force search."""

from hypothesis import given
from strategies import build_values, expression_dags

from microgrid import Value
from microgrid.engine import topological_order
from microgrid.users import users_of


def test_a_square_uses_its_operand_twice_and_the_root_has_no_users():
    x = Value(2.0, label="x")
    y = x * x
    z = y + x
    users = users_of(topological_order(z))
    assert users[x] == [(y, 0), (y, 1), (z, 1)] and users[y] == [(z, 0)]
    assert z not in users


@given(expression_dags())
def test_uses_are_exactly_the_edges_into_a_node(dag):
    _, root = build_values(dag)
    order = topological_order(root)
    users = users_of(order)
    for node in order:
        expected = [(v, j) for v in order for j, c in enumerate(v.children) if c is node]
        assert users.get(node, []) == expected
