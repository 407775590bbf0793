"""users_of: the reverse of Value.children, each user once, checked against a brute-force search."""

from hypothesis import given
from strategies import build_values, expression_dags

from microgrid import Value
from microgrid.graph import topological_order
from microgrid.users import users_of


def test_a_square_uses_its_operand_once_and_the_root_has_no_users():
    x = Value(2.0, label="x")
    y = x * x
    z = y + x
    users = users_of(topological_order(z))
    assert users[x] == [y, z] and users[y] == [z]
    assert z not in users


@given(expression_dags())
def test_users_are_exactly_the_nodes_that_take_a_node_as_operand(dag):
    _, root = build_values(dag)
    order = topological_order(root)
    users = users_of(order)
    for node in order:
        expected = [v for v in order if any(c is node for c in v.children)]
        assert users.get(node, []) == expected
